//! `codebuild-project`: a CodeBuild project, typically the build step of a `codepipeline`.
//!
//! AWS calls:
//! - read: BatchGetProjects; `read_many` reads up to 100 projects per BatchGetProjects call
//! - find: BatchGetProjects (ours by ownership tags, else Conflict)
//! - create: CreateProject (with tags); a project of that name that is ours is adopted and
//!   brought to the configuration with UpdateProject
//! - update: compares each changed attribute with BatchGetProjects first (a repeated update
//!   calls nothing), then one UpdateProject carrying only the attributes that differ; a changed
//!   block is the live block with the configured fields replaced (unmanaged fields such as
//!   `auth` or `s3Logs` are kept); tags are sent in full in the same UpdateProject
//! - delete: DeleteProject (a missing project is success)
//! - list: ListProjects (every page), then BatchGetProjects by 100
//! - import: by project name (BatchGetProjects)

mod read;
mod requests;
mod spec;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_codebuild::types::Project;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::Schema;

use self::read::live_tags;
pub use self::read::to_attrs;
pub use self::requests::{
    artifacts_over, cache_over, create_request, environment_over, logs_over, source_over,
    to_change, update_request,
};
use self::spec::{managed, CodebuildProject};
use crate::aws::{error_code, op_error, Aws};
use crate::calls::{all_pages, delete_if_present};
use crate::ownership::ensure_ours;

pub const TYPE_NAME: &str = CodebuildProject::TYPE_NAME;
const TY: &str = TYPE_NAME;
/// BatchGetProjects takes at most this many names.
const BATCH: usize = 100;

pub fn schema() -> Schema {
    CodebuildProject::schema()
}

fn live_of(p: &Project) -> Live {
    Live {
        id: p.name().unwrap_or_default().to_string(),
        attrs: to_attrs(p),
    }
}

/// The refusal of a project of this name that is not this address's.
fn ours(ctx: &OpContext, op: &str, p: &Project) -> Result<(), OpError> {
    let name = p.name().unwrap_or_default();
    let what = format!("CodeBuild project `{name}`");
    ensure_ours(ctx, op, &what, name, &live_tags(p))
}

/// The `codebuild-project` operations.
pub struct Provider {
    client: aws_sdk_codebuild::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.codebuild(),
            schema: schema(),
        }
    }

    /// BatchGetProjects for up to 100 names at a time: the projects found, by name.
    async fn batch(&self, names: &[String]) -> Result<BTreeMap<String, Project>, OpError> {
        let mut out = BTreeMap::new();
        for chunk in names.chunks(BATCH) {
            let res = self
                .client
                .batch_get_projects()
                .set_names(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| op_error("BatchGetProjects", e))?;
            for p in res.projects() {
                if let Some(n) = p.name() {
                    out.insert(n.to_string(), p.clone());
                }
            }
        }
        Ok(out)
    }

    async fn get(&self, name: &str) -> Result<Option<Project>, OpError> {
        Ok(self.batch(&[name.to_string()]).await?.remove(name))
    }

    /// The project, which must be there for `op`: `why` words its absence.
    async fn get_required(&self, name: &str, op: &str, why: &str) -> Result<Project, OpError> {
        self.get(name).await?.ok_or_else(|| {
            OpError::new(
                op,
                ErrorKind::Other,
                format!("{TY}: project `{name}` {why}"),
            )
        })
    }

    /// Brings a live project to `desired` for the attributes in `changed`: one UpdateProject
    /// with what differs, nothing when nothing does.
    async fn converge(
        &self,
        live: &Project,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateProject";
        let attrs = to_change(live, desired, changed);
        if attrs.is_empty() {
            return Ok(live_of(live));
        }
        let out = update_request(self.client.update_project(), live, desired, &attrs)?
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        match out.project() {
            Some(p) => Ok(live_of(p)),
            None => {
                let name = live.name().unwrap_or_default();
                let p = self.get_required(name, op, "vanished during the update");
                Ok(live_of(&p.await?))
            }
        }
    }

    /// Every project: ListProjects (every page), then BatchGetProjects by 100.
    async fn list_all(&self) -> Result<Vec<Live>, OpError> {
        let names = all_pages(|token| async move {
            let call = self.client.list_projects().set_next_token(token).send();
            let out = call.await.map_err(|e| op_error("ListProjects", e))?;
            Ok(Some((out.projects().to_vec(), out.next_token)))
        });
        let names = names.await?.unwrap_or_default();
        Ok(self.batch(&names).await?.values().map(live_of).collect())
    }

    /// Adopts an existing project of this name when it is ours; Conflict otherwise.
    async fn adopt_existing(
        &self,
        ctx: &OpContext,
        p: &Project,
        desired: &Attrs,
        op: &str,
    ) -> Result<Live, OpError> {
        ours(ctx, op, p)?;
        self.converge(p, desired, &managed()).await
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.get(id).await?.map(|p| live_of(&p)))
    }

    async fn read_many(
        &self,
        requests: &[(OpContext, String)],
    ) -> Option<Result<Vec<Option<Live>>, OpError>> {
        let mut names: Vec<String> = requests.iter().map(|(_, id)| id.clone()).collect();
        names.sort();
        names.dedup();
        Some(self.batch(&names).await.map(|found| {
            requests
                .iter()
                .map(|(_, id)| found.get(id).map(live_of))
                .collect()
        }))
    }

    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        Some(self.list_all().await)
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let op = "BatchGetProjects";
        let name = crate::attrs::req_str(desired, "name", TY, op)?;
        let found = self.get(&name).await?;
        let found = found
            .map(|p| ours(ctx, op, &p).map(|()| live_of(&p)))
            .transpose()?;
        Ok(ctx.unless_replaced(found))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreateProject";
        let req = create_request(self.client.create_project(), desired)?;
        let name = req.get_name().clone().unwrap_or_default();
        if let Some(p) = self.get(&name).await? {
            return self.adopt_existing(ctx, &p, desired, op).await;
        }
        match req.send().await {
            Ok(out) => match out.project() {
                Some(p) => Ok(live_of(p)),
                None => {
                    let p = self.get_required(&name, op, "not found after CreateProject");
                    Ok(live_of(&p.await?))
                }
            },
            // Made concurrently, or by a run whose result was lost.
            Err(e) if error_code(&e) == Some("ResourceAlreadyExistsException") => {
                let p = self.get(&name).await?.ok_or_else(|| op_error(op, e))?;
                self.adopt_existing(ctx, &p, desired, op).await
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let why = "no longer exists (deleted outside eco?)";
        let p = self.get_required(id, "UpdateProject", why).await?;
        self.converge(&p, desired, changed).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        delete_if_present(
            "DeleteProject",
            crate::aws::is_not_found,
            self.client.delete_project().name(id).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests;
