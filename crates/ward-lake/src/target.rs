//! Where files go: a local directory or an S3 bucket and prefix, both behind `object_store`.

use crate::LakeError;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use ward_flow::{Destination, Location};

/// S3 settings that override the environment's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Options {
    /// The region (else `AWS_REGION`, then `AWS_DEFAULT_REGION`, then `us-east-1`).
    pub region: Option<String>,
    /// An endpoint such as moto's `http://127.0.0.1:5000` (else `AWS_ENDPOINT_URL_S3`, then
    /// `AWS_ENDPOINT_URL`). Requests go path-style to an endpoint; plain http is allowed there.
    pub endpoint_url: Option<String>,
}

/// An opened destination.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub store: Arc<dyn ObjectStore>,
    /// The key prefix every file goes under (empty for a local directory).
    pub root: Vec<String>,
    /// How locations are shown: `s3://bucket` or the local directory.
    pub base: String,
    /// The local directory, for removing empty temporary folders.
    pub local_dir: Option<PathBuf>,
}

impl Target {
    pub fn open(destination: &Destination, s3: &S3Options) -> Result<Self, LakeError> {
        let refuse = |reason: String| LakeError::Destination {
            destination: destination.path.clone(),
            reason,
        };
        match destination.location() {
            None => Err(refuse("an s3:// path needs a bucket name".to_owned())),
            Some(Location::Local(dir)) => {
                let dir = PathBuf::from(dir);
                std::fs::create_dir_all(&dir)
                    .map_err(|error| refuse(format!("cannot create the directory: {error}")))?;
                let dir = dir
                    .canonicalize()
                    .map_err(|error| refuse(format!("cannot resolve the directory: {error}")))?;
                let store = LocalFileSystem::new_with_prefix(&dir)
                    .map_err(|error| refuse(error.to_string()))?;
                Ok(Self {
                    store: Arc::new(store),
                    root: Vec::new(),
                    base: dir.display().to_string(),
                    local_dir: Some(dir),
                })
            }
            Some(Location::S3 { bucket, prefix }) => {
                let store = s3_store(&bucket, s3, destination.sse_kms_key_id.as_deref())
                    .map_err(|error| refuse(error.to_string()))?;
                Ok(Self {
                    store,
                    root: prefix
                        .split('/')
                        .filter(|part| !part.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    base: format!("s3://{bucket}"),
                    local_dir: None,
                })
            }
        }
    }

    /// The object path of `relative` (`a/b/c`) under the root.
    pub fn path(&self, relative: &str) -> Path {
        Path::from_iter(
            self.root
                .iter()
                .map(String::as_str)
                .chain(relative.split('/').filter(|part| !part.is_empty())),
        )
    }

    /// How a path is shown: `s3://bucket/key` or `/dir/key`.
    pub fn show(&self, path: &Path) -> String {
        format!("{}/{}", self.base, path)
    }
}

/// An S3 bucket as an object store: region and endpoint from `s3`, else the environment's; an
/// endpoint is addressed path-style (plain http allowed there); objects written are encrypted
/// with `sse_kms_key_id` when given.
pub(crate) fn s3_store(
    bucket: &str,
    s3: &S3Options,
    sse_kms_key_id: Option<&str>,
) -> object_store::Result<Arc<dyn ObjectStore>> {
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let region = s3
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"));
    if let Some(region) = region {
        builder = builder.with_region(region);
    }
    let endpoint = s3
        .endpoint_url
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_S3"))
        .or_else(|| env("AWS_ENDPOINT_URL"));
    if let Some(endpoint) = endpoint {
        builder = builder
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false)
            .with_endpoint(endpoint.trim_end_matches('/'));
    }
    if let Some(key) = sse_kms_key_id {
        builder = builder.with_sse_kms_encryption(key);
    }
    Ok(Arc::new(builder.build()?))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}
