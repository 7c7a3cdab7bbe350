use ascii::AsciiString;

use std::io::Error as IoError;
use std::io::Result as IoResult;
use std::io::{BufReader, BufWriter, ErrorKind, Read};

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use crate::common::{HTTPVersion, Method};
use crate::util::RefinedTcpStream;
use crate::util::{SequentialReader, SequentialReaderBuilder, SequentialWriterBuilder};
use crate::{Limits, Request};

/// A ClientConnection is an object that will store a socket to a client
/// and return Request objects.
pub struct ClientConnection {
    // address of the client
    remote_addr: IoResult<Option<SocketAddr>>,

    // sequence of Readers to the stream, so that the data is not read in
    //  the wrong order
    source: SequentialReaderBuilder<BufReader<RefinedTcpStream>>,

    // sequence of Writers to the stream, to avoid writing response #2 before
    //  response #1
    sink: SequentialWriterBuilder<BufWriter<RefinedTcpStream>>,

    // Reader to read the next header from
    next_header_source: SequentialReader<BufReader<RefinedTcpStream>>,

    // set to true if we know that the previous request is the last one
    no_more_requests: bool,

    // true if the connection goes through SSL
    secure: bool,

    // what one request may make the server hold (whosecures patch)
    limits: Arc<Limits>,
}

/// Error that can happen when reading a request.
#[derive(Debug)]
enum ReadError {
    WrongRequestLine,
    WrongHeader(HTTPVersion),
    /// the client sent an unrecognized `Expect` header
    ExpectationFailed(HTTPVersion),
    ReadIoError(IoError),
    /// the request line is longer than `Limits::max_request_line` (414)
    RequestLineTooLong,
    /// a header line, the header count or the whole head is over its limit (431)
    HeadersTooLarge(HTTPVersion),
    /// the declared body is over `Limits::max_body` (413)
    BodyTooLarge(HTTPVersion),
    /// the head was not complete within `Limits::header_timeout` (408), or the socket read
    /// timed out; `started` tells whether any byte of the request had arrived
    TimedOut {
        started: bool,
    },
}

/// How `read_next_line` failed.
enum LineError {
    TooLong,
    TimedOut,
    Io(IoError),
}

impl ClientConnection {
    /// Creates a new `ClientConnection` that takes ownership of the `TcpStream`.
    pub fn new(
        write_socket: RefinedTcpStream,
        mut read_socket: RefinedTcpStream,
        limits: Arc<Limits>,
    ) -> ClientConnection {
        let remote_addr = read_socket.peer_addr();
        let secure = read_socket.secure();

        let mut source = SequentialReaderBuilder::new(BufReader::with_capacity(1024, read_socket));
        let first_header = source.next().unwrap();

        ClientConnection {
            source,
            sink: SequentialWriterBuilder::new(BufWriter::with_capacity(1024, write_socket)),
            remote_addr,
            next_header_source: first_header,
            no_more_requests: false,
            secure,
            limits,
        }
    }

    /// true if the connection is HTTPS
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Reads the next line from self.next_header_source.
    ///
    /// Reads until `CRLF` is reached. The next read will start
    ///  at the first byte of the new line. A line longer than `max` bytes, or one still
    ///  unfinished at `deadline`, is an error (whosecures patch: upstream reads without bound).
    fn read_next_line(
        &mut self,
        max: usize,
        deadline: Option<Instant>,
    ) -> Result<AsciiString, LineError> {
        // One allocation that fits most lines (whosecures patch): a vector grown from empty
        // touches a fresh page of the allocator's thread cache for every size it passes, which
        // is most of what a thousand stalled connection threads would hold.
        let mut buf = Vec::with_capacity(max.saturating_add(2).min(512));
        let mut prev_byte_was_cr = false;

        loop {
            let byte = self.next_header_source.by_ref().bytes().next();

            let byte = match byte {
                Some(Ok(b)) => b,
                Some(Err(e)) if is_timeout(&e) => return Err(LineError::TimedOut),
                Some(Err(e)) => return Err(LineError::Io(e)),
                None => {
                    return Err(LineError::Io(IoError::new(
                        ErrorKind::ConnectionAborted,
                        "Unexpected EOF",
                    )))
                }
            };

            if byte == b'\n' && prev_byte_was_cr {
                buf.pop(); // removing the '\r'
                return AsciiString::from_ascii(buf).map_err(|_| {
                    LineError::Io(IoError::new(
                        ErrorKind::InvalidInput,
                        "Header is not in ASCII",
                    ))
                });
            }

            prev_byte_was_cr = byte == b'\r';

            buf.push(byte);
            // The CR of the line's CRLF does not count against the limit.
            if buf.len() > max.saturating_add(1) {
                return Err(LineError::TooLong);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(LineError::TimedOut);
            }
        }
    }

    /// Reads a request from the stream.
    /// Blocks until the header has been read.
    fn read(&mut self) -> Result<Request, ReadError> {
        let limits = Arc::clone(&self.limits);

        // The first byte of the request: waiting for it is bounded by the socket's idle timeout;
        // the head's deadline runs from it (whosecures patch).
        let first = match self.next_header_source.by_ref().bytes().next() {
            Some(Ok(b)) => b,
            Some(Err(e)) if is_timeout(&e) => return Err(ReadError::TimedOut { started: false }),
            Some(Err(e)) => return Err(ReadError::ReadIoError(e)),
            None => {
                return Err(ReadError::ReadIoError(IoError::new(
                    ErrorKind::ConnectionAborted,
                    "Unexpected EOF",
                )))
            }
        };
        if !first.is_ascii() || first == b'\n' {
            return Err(ReadError::WrongRequestLine);
        }
        let deadline = limits.header_timeout.map(|t| Instant::now() + t);

        // reading the request line
        let rest = match self.read_next_line(limits.max_request_line.saturating_sub(1), deadline) {
            Ok(rest) => rest,
            Err(LineError::TooLong) => return Err(ReadError::RequestLineTooLong),
            Err(LineError::TimedOut) => return Err(ReadError::TimedOut { started: true }),
            Err(LineError::Io(e)) => return Err(ReadError::ReadIoError(e)),
        };
        let mut line = String::with_capacity(rest.len() + 1);
        line.push(first as char);
        line.push_str(rest.as_str());
        let (method, path, version) = parse_request_line(line.trim())?;
        let mut head_bytes = line.len() + 2;

        // getting all headers
        let mut headers = Vec::new();
        loop {
            let line = match self.read_next_line(limits.max_header_line, deadline) {
                Ok(line) => line,
                Err(LineError::TooLong) => return Err(ReadError::HeadersTooLarge(version)),
                Err(LineError::TimedOut) => return Err(ReadError::TimedOut { started: true }),
                Err(LineError::Io(e)) => return Err(ReadError::ReadIoError(e)),
            };
            if line.is_empty() {
                break;
            };
            head_bytes += line.len() + 2;
            if headers.len() >= limits.max_headers || head_bytes > limits.max_header_bytes {
                return Err(ReadError::HeadersTooLarge(version));
            }
            headers.push(match FromStr::from_str(line.as_str().trim()) {
                Ok(h) => h,
                _ => return Err(ReadError::WrongHeader(version)),
            });
        }

        // a body over the limit is refused before anything reads it (whosecures patch)
        if let Some(max) = limits.max_body {
            if declared_body_too_large(&headers, max) {
                return Err(ReadError::BodyTooLarge(version));
            }
        }

        let remote_addr = match self.remote_addr {
            Ok(addr) => addr,
            Err(ref e) => {
                return Err(ReadError::ReadIoError(IoError::new(
                    e.kind(),
                    e.to_string(),
                )))
            }
        };

        // building the writer for the request
        let writer = self.sink.next().ok_or_else(closed)?;

        // follow-up for next potential request
        let mut data_source = self.source.next().ok_or_else(closed)?;
        std::mem::swap(&mut self.next_header_source, &mut data_source);

        // building the next reader
        let request = crate::request::new_request(
            self.secure,
            method,
            path,
            version.clone(),
            headers,
            remote_addr,
            data_source,
            writer,
        )
        .map_err(|e| {
            use crate::request;
            match e {
                request::RequestCreationError::CreationIoError(e) => ReadError::ReadIoError(e),
                request::RequestCreationError::ExpectationFailed => {
                    ReadError::ExpectationFailed(version)
                }
            }
        })?;

        // return the request
        Ok(request)
    }
}

/// The error for a sequence that has ended (cannot happen: the builders never run out).
fn closed() -> ReadError {
    ReadError::ReadIoError(IoError::new(ErrorKind::BrokenPipe, "connection closed"))
}

/// True for the error a read gets when the socket's read timeout passes (`WouldBlock` on Unix).
fn is_timeout(e: &IoError) -> bool {
    matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock)
}

/// True when the headers announce a body over `max` bytes, or a chunked body of unknown size
/// while no body at all is accepted (`max == 0`).
fn declared_body_too_large(headers: &[crate::Header], max: u64) -> bool {
    headers.iter().any(|h| {
        if h.field.equiv("Content-Length") {
            h.value
                .as_str()
                .trim()
                .parse::<u64>()
                .map_or(true, |n| n > max)
        } else if h.field.equiv("Transfer-Encoding") {
            max == 0 && !h.value.as_str().trim().eq_ignore_ascii_case("identity")
        } else {
            false
        }
    })
}

impl Iterator for ClientConnection {
    type Item = Request;

    /// Blocks until the next Request is available.
    /// Returns None when no new Requests will come from the client.
    fn next(&mut self) -> Option<Request> {
        use crate::{Response, StatusCode};

        // the client sent a "connection: close" header in this previous request
        //  or is using HTTP 1.0, meaning that no new request will come
        if self.no_more_requests {
            return None;
        }

        loop {
            let rq = match self.read() {
                Err(ReadError::WrongRequestLine) => {
                    let writer = self.sink.next().unwrap();
                    let response = Response::new_empty(StatusCode(400));
                    response
                        .raw_print(writer, HTTPVersion(1, 1), &[], false, None)
                        .ok();
                    return None; // we don't know where the next request would start,
                                 // se we have to close
                }

                Err(ReadError::WrongHeader(ver)) => {
                    let writer = self.sink.next().unwrap();
                    let response = Response::new_empty(StatusCode(400));
                    response.raw_print(writer, ver, &[], false, None).ok();
                    return None; // we don't know where the next request would start,
                                 // se we have to close
                }

                Err(ReadError::TimedOut { started: true }) => {
                    // request timeout: the head did not arrive in time
                    refuse(&mut self.sink, 408, HTTPVersion(1, 1), "request timeout");
                    return None; // closing the connection
                }

                // an idle keep-alive connection: closed without a word, as browsers expect
                Err(ReadError::TimedOut { started: false }) => return None,

                Err(ReadError::RequestLineTooLong) => {
                    refuse(
                        &mut self.sink,
                        414,
                        HTTPVersion(1, 1),
                        "request line too long",
                    );
                    return None;
                }

                Err(ReadError::HeadersTooLarge(ver)) => {
                    refuse(&mut self.sink, 431, ver, "request header fields too large");
                    return None;
                }

                Err(ReadError::BodyTooLarge(ver)) => {
                    refuse(&mut self.sink, 413, ver, "request body too large");
                    return None;
                }

                Err(ReadError::ExpectationFailed(ver)) => {
                    let writer = self.sink.next().unwrap();
                    let response = Response::new_empty(StatusCode(417));
                    response.raw_print(writer, ver, &[], true, None).ok();
                    return None; // TODO: should be recoverable, but needs handling in case of body
                }

                Err(ReadError::ReadIoError(_)) => return None,

                Ok(rq) => rq,
            };

            // checking HTTP version
            if *rq.http_version() > (1, 1) {
                let writer = self.sink.next().unwrap();
                let response = Response::from_string(
                    "This server only supports HTTP versions 1.0 and 1.1".to_owned(),
                )
                .with_status_code(StatusCode(505));
                response
                    .raw_print(writer, HTTPVersion(1, 1), &[], false, None)
                    .ok();
                continue;
            }

            // updating the status of the connection
            let connection_header = rq
                .headers()
                .iter()
                .find(|h| h.field.equiv("Connection"))
                .map(|h| h.value.as_str());

            let lowercase = connection_header.map(|h| h.to_ascii_lowercase());

            match lowercase {
                Some(ref val) if val.contains("close") => self.no_more_requests = true,
                Some(ref val) if val.contains("upgrade") => self.no_more_requests = true,
                Some(ref val)
                    if !val.contains("keep-alive") && *rq.http_version() == HTTPVersion(1, 0) =>
                {
                    self.no_more_requests = true
                }
                None if *rq.http_version() == HTTPVersion(1, 0) => self.no_more_requests = true,
                _ => (),
            };

            // returning the request
            return Some(rq);
        }
    }
}

/// Answers a request the connection cannot go on from with `status` and a short text, and asks
/// the client to close (whosecures patch). Written straight into the connection's buffer, with
/// no `Response` built: thousands of connections refused at the same instant (timed-out slow
/// clients) must not each allocate a response's worth of memory.
fn refuse(
    sink: &mut SequentialWriterBuilder<BufWriter<RefinedTcpStream>>,
    status: u16,
    version: HTTPVersion,
    text: &str,
) {
    use std::io::Write;
    let reason = crate::StatusCode(status).default_reason_phrase();
    let _ = sink.write_last(|writer| {
        write!(
            writer,
            "HTTP/{}.{} {status} {reason}\r\nConnection: close\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{text}\n",
            version.0,
            version.1,
            text.len() + 1,
        )?;
        writer.flush()
    });
}

/// Parses a "HTTP/1.1" string.
fn parse_http_version(version: &str) -> Result<HTTPVersion, ReadError> {
    let (major, minor) = match version {
        "HTTP/0.9" => (0, 9),
        "HTTP/1.0" => (1, 0),
        "HTTP/1.1" => (1, 1),
        "HTTP/2.0" => (2, 0),
        "HTTP/3.0" => (3, 0),
        _ => return Err(ReadError::WrongRequestLine),
    };

    Ok(HTTPVersion(major, minor))
}

/// Parses the request line of the request.
/// eg. GET / HTTP/1.1
fn parse_request_line(line: &str) -> Result<(Method, String, HTTPVersion), ReadError> {
    let mut parts = line.split(' ');

    let method = parts.next().and_then(|w| w.parse().ok());
    let path = parts.next().map(ToOwned::to_owned);
    let version = parts.next().and_then(|w| parse_http_version(w).ok());

    method
        .and_then(|method| Some((method, path?, version?)))
        .ok_or(ReadError::WrongRequestLine)
}

#[cfg(test)]
mod test {
    #[test]
    fn test_parse_request_line() {
        let (method, path, ver) = super::parse_request_line("GET /hello HTTP/1.1").unwrap();

        assert!(method == crate::Method::Get);
        assert!(path == "/hello");
        assert!(ver == crate::common::HTTPVersion(1, 1));

        assert!(super::parse_request_line("GET /hello").is_err());
        assert!(super::parse_request_line("qsd qsd qsd").is_err());
    }
}
