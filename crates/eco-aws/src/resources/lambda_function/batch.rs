//! A refresh of many functions: one paged ListFunctions (`FunctionVersion=ALL`: every function's
//! `$LATEST` configuration and its published versions) and one paged GetResources (the tags of
//! the functions the stage owns), in place of a GetFunction, ListAliases and
//! ListVersionsByFunction per function.
//!
//! Per function only what the configuration declares beyond that is asked: its reserved
//! concurrency (GetFunctionConcurrency) when `reserved-concurrency` is declared, its alias
//! (ListAliases) when `alias` is. A function the listing misses, or the tagging API does not
//! list yet (it is eventually consistent), is read on its own (GetFunction) before it counts as
//! gone or untagged.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::types::{Concurrency, FunctionConfiguration, FunctionVersion};
use eco_provider::{Live, OpContext, OpError};

use super::read::{from_output, to_attrs, Extra};
use super::Provider;
use crate::aws::{each_concurrently, is_gone, op_error};
use crate::calls::get_optional;

/// Reads of single functions in flight at once within a batch.
const BATCH_READS: usize = 10;

/// A function as ListFunctions lists it.
struct Listed {
    /// Its `$LATEST` configuration.
    configuration: FunctionConfiguration,
    /// Its unqualified ARN (how the tagging API names it).
    arn: String,
    /// Its latest published version number, if any.
    latest_version: Option<String>,
}

impl Provider {
    /// Reads every requested function (see the module doc for the calls).
    pub(super) async fn read_batch(
        &self,
        requests: &[(OpContext, String)],
    ) -> Result<Vec<Option<Live>>, OpError> {
        let Some((first, _)) = requests.first() else {
            return Ok(Vec::new());
        };
        // The listing and the tags at once, as the bucket refresh does.
        let owned = crate::tagging::owned_tags(&self.tagging, first, "lambda:function");
        let (listed, owned) = tokio::try_join!(self.listed(), owned)?;
        let (listed, owned) = (&listed, &owned);
        each_concurrently(
            requests.iter().collect(),
            BATCH_READS,
            |(ctx, name)| async move {
                let function = listed.get(name.as_str());
                let tags = function.and_then(|f| owned.get(&f.arn));
                let (Some(function), Some(tags)) = (function, tags) else {
                    return Ok(self.read_name(name).await?.map(|(live, _)| live));
                };
                self.complete(ctx, name, function, tags).await
            },
        )
        .await
    }

    /// Every function of the region by name: its `$LATEST` configuration and latest published
    /// version (ListFunctions with `FunctionVersion=ALL`, every page).
    async fn listed(&self) -> Result<HashMap<String, Listed>, OpError> {
        let all = self
            .lambda
            .list_functions()
            .function_version(FunctionVersion::All);
        let pages = all.into_paginator().items().send();
        let versions = pages
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| op_error("ListFunctions", e))?;
        let mut listed: HashMap<String, Listed> = HashMap::new();
        let mut published: HashMap<String, u64> = HashMap::new();
        for f in versions {
            let Some(name) = f.function_name.clone() else {
                continue;
            };
            match f.version().map(str::parse::<u64>) {
                Some(Ok(n)) => {
                    let latest = published.entry(name).or_insert(n);
                    *latest = (*latest).max(n);
                }
                _ => {
                    // The `$LATEST` entry's ARN is qualified (`...:function:NAME:$LATEST`).
                    let arn = f.function_arn().unwrap_or_default();
                    let arn: Vec<&str> = arn.split(':').take(7).collect();
                    let arn = arn.join(":");
                    let entry = Listed {
                        configuration: f,
                        arn,
                        latest_version: None,
                    };
                    listed.insert(name, entry);
                }
            }
        }
        for (name, n) in published {
            if let Some(entry) = listed.get_mut(&name) {
                entry.latest_version = Some(n.to_string());
            }
        }
        Ok(listed)
    }

    /// A listed function with its tags, plus the declared reads the listing does not answer.
    async fn complete(
        &self,
        ctx: &OpContext,
        name: &str,
        function: &Listed,
        tags: &BTreeMap<String, String>,
    ) -> Result<Option<Live>, OpError> {
        let mut out = GetFunctionOutput::builder()
            .configuration(function.configuration.clone())
            .set_tags(Some(tags.clone().into_iter().collect()));
        if ctx.reads("reserved-concurrency") {
            let call = self.lambda.get_function_concurrency().function_name(name);
            let Some(c) = get_optional("GetFunctionConcurrency", is_gone, call.send()).await?
            else {
                return Ok(None);
            };
            let reserved = c.reserved_concurrent_executions();
            let concurrency = Concurrency::builder().set_reserved_concurrent_executions(reserved);
            out = out.concurrency(concurrency.build());
        }
        let mut extra = Extra {
            alias: None,
            latest_version: function.latest_version.clone(),
        };
        if ctx.reads("alias") {
            match self.extra(name).await {
                Ok(x) => extra.alias = x.alias,
                Err(e) if e.message.contains("ResourceNotFoundException") => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        Ok(from_output(&out.build(), &extra).map(|f| Live {
            id: name.to_string(),
            attrs: to_attrs(&f),
        }))
    }
}
