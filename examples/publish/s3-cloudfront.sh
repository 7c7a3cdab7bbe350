#!/bin/sh
# Amazon S3 + CloudFront: uploads a built site to a private bucket behind a CloudFront
# distribution (origin access control), then invalidates the cached copies.
# Usage: BUCKET=my-wiki-bucket DISTRIBUTION=E123EXAMPLE examples/publish/s3-cloudfront.sh [site]
# One-time set-up, in the AWS console or your infrastructure code: a bucket with Block Public
# Access on; a distribution with that bucket as origin through an origin access control, a
# default root object `index.html`, a custom error response mapping 403 and 404 to `/404.html`
# (status 404), and a CloudFront Function (viewer request) that appends `index.html` to URIs
# ending in `/` (S3 REST origins do not serve folder indexes).
set -eu
site=${1:-site}
: "${BUCKET:?set BUCKET to the bucket name}"
: "${DISTRIBUTION:?set DISTRIBUTION to the CloudFront distribution id}"
whosecures check
whosecures build --output "$site"
# HTML changes with every build: revalidate it; the rest may be cached for a day.
aws s3 sync "$site/" "s3://$BUCKET/" --delete --exclude ".whosecures-site" \
  --exclude "*.html" --cache-control "public, max-age=86400"
aws s3 sync "$site/" "s3://$BUCKET/" --delete --exclude "*" --include "*.html" \
  --cache-control "no-cache"
aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths "/*"
