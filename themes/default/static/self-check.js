// The self-check (self-check.html): asks "who secures <layer> of <service>?" from the questions
// the page carries as JSON, reveals the row's answer, and keeps every answer in localStorage
// under "whosecures-self-check" ({ id: owner given }), like checklist ticks. No request is made,
// so it works from the file system. Text is always set with textContent.
(function () {
  "use strict";
  var KEY = "whosecures-self-check";
  var box = document.querySelector("[data-self-check]");
  var data = document.getElementById("self-check-data");
  if (!box || !data) return;
  var questions;
  try { questions = JSON.parse(data.textContent); } catch (e) { return; }
  if (!questions.length) return;
  var root = document.body.dataset.root || "";
  var $ = function (name) { return box.querySelector("[data-self-check-" + name + "]"); };
  var labels = {};
  box.querySelectorAll("[data-answer]").forEach(function (b) { labels[b.dataset.answer] = b.textContent.trim(); });

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save(answers) {
    try { localStorage.setItem(KEY, JSON.stringify(answers)); } catch (e) { /* private mode */ }
  }
  var answers = load();
  var current = null;

  function progress() {
    var asked = 0, right = 0;
    questions.forEach(function (q) {
      if (q.id in answers) { asked++; if (answers[q.id] === q.o) right++; }
    });
    $("progress").textContent = asked + " of " + questions.length + " answered, " + right + " right";
    box.dataset.asked = asked;
    box.dataset.right = right;
  }

  // Unanswered questions first, in a random order; once all are answered, any question.
  function pick() {
    var open = questions.filter(function (q) { return !(q.id in answers); });
    var from = open.length ? open : questions;
    var next = from[Math.floor(Math.random() * from.length)];
    if (from.length > 1 && current && next.id === current.id) return pick();
    return next;
  }

  function list(el, items) {
    el.textContent = "";
    if (!items.length) {
      var none = document.createElement("li");
      none.className = "duties-none";
      none.textContent = "Nothing";
      el.appendChild(none);
    }
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      el.appendChild(li);
    });
  }

  function ask(q) {
    current = q;
    box.dataset.question = q.id;
    $("question").textContent = "Who secures " + q.l.toLowerCase() + " for " + q.s + "?";
    $("answer").hidden = true;
    box.querySelectorAll("[data-answer]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-pressed");
      b.classList.remove("right", "wrong");
    });
  }

  function answer(given) {
    var q = current;
    answers[q.id] = given;
    save(answers);
    var right = given === q.o;
    box.querySelectorAll("[data-answer]").forEach(function (b) {
      b.disabled = true;
      b.setAttribute("aria-pressed", b.dataset.answer === given ? "true" : "false");
      if (b.dataset.answer === q.o) b.classList.add("right");
      else if (b.dataset.answer === given) b.classList.add("wrong");
    });
    $("verdict").textContent = (right ? "Right: " : "Not quite: ") + (labels[q.o] || q.o) + ".";
    $("verdict").className = "self-check-verdict " + (right ? "right" : "wrong");
    $("note").textContent = q.n;
    list($("provider"), q.p);
    list($("customer"), q.c);
    $("row").href = root + q.u;
    $("source").href = q.src;
    $("answer").hidden = false;
    progress();
    $("next").focus();
  }

  box.querySelectorAll("[data-answer]").forEach(function (b) {
    b.addEventListener("click", function () { answer(b.dataset.answer); });
  });
  $("next").addEventListener("click", function () { ask(pick()); $("question").focus(); });
  $("reset").addEventListener("click", function () {
    answers = {};
    save(answers);
    progress();
    ask(pick());
  });
  box.hidden = false;
  progress();
  ask(pick());
})();
