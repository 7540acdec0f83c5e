//! `s3-sync`: uploads a local build folder to a bucket and keeps the two the same.
//!
//! eco hashes every file under `source` (the MD5 S3 reports as the ETag of a single-part upload,
//! plus the content type and cache-control eco would send) and uploads only what differs.
//!
//! AWS calls:
//! - read: ListObjectsV2 under `prefix` (ETag per key), HeadObject where the metadata matters
//! - create: PutObject for every file (ContentType, CacheControl from the rules below)
//! - update: PutObject for new and changed files, DeleteObjects (batches of 1000) for stale keys
//!   when `delete` is on, then CreateInvalidation on `invalidate` with the changed paths
//! - delete: DeleteObjects for every key this sync uploaded (from state)
//! - import: by `BUCKET/PREFIX`: ListObjectsV2, then the next apply uploads what differs

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "s3-sync";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "Uploads a local folder to an S3 bucket: content types, cache-control, hashing, deletes of stale keys")
        .attr(
            Attribute::string("bucket")
                .required()
                .forces_replacement()
                .doc("name of the target bucket; moving elsewhere uploads anew and removes the old copy"),
        )
        .attr(
            Attribute::string("prefix")
                .forces_replacement()
                .doc("key prefix under which files are uploaded (default: the bucket root)"),
        )
        .attr(
            Attribute::string("source")
                .required()
                .doc("local directory, relative to the configuration; its content hash drives updates (PutObject)"),
        )
        .attr(
            Attribute::bool("delete")
                .doc("delete keys under the prefix that are not in the source (default #true; DeleteObjects)"),
        )
        .attr(
            Attribute::list("exclude", ScalarType::String)
                .doc("glob patterns of files not to upload, relative to the source"),
        )
        .attr(
            Attribute::repeated_block(
                "cache-control",
                "pattern",
                vec![
                    Attribute::string("pattern").doc("glob pattern matched against the relative path"),
                    Attribute::string("value")
                        .required()
                        .doc("Cache-Control header, e.g. public,max-age=31536000,immutable"),
                ],
            )
            .doc("Cache-Control for files matching a pattern; the first matching rule wins"),
        )
        .attr(
            Attribute::repeated_block(
                "content-type",
                "pattern",
                vec![
                    Attribute::string("pattern").doc("glob pattern matched against the relative path"),
                    Attribute::string("value")
                        .required()
                        .doc("Content-Type to send instead of the one guessed from the extension"),
                ],
            )
            .doc("Content-Type override for files matching a pattern; the first matching rule wins"),
        )
        .attr(
            Attribute::string("invalidate")
                .doc("CloudFront distribution id to invalidate after files change (CreateInvalidation)"),
        )
        .attr(
            Attribute::list("invalidation-paths", ScalarType::String)
                .doc("paths to invalidate (default: the changed keys, or /* when there are many)"),
        )
        .attr(
            Attribute::string("source-hash")
                .computed()
                .doc("hash over every uploaded file's key, content hash and metadata"),
        )
        .attr(Attribute::int("object-count").computed().doc("number of objects uploaded"))
}
