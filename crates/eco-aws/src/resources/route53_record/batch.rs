//! Carrying out one zone's changes as ChangeResourceRecordSets batches: the changes in as few
//! requests as AWS's limits allow, the INSYNC wait, and what eco does when a batch is refused.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_route53::client::Waiters;
use aws_sdk_route53::operation::change_resource_record_sets::ChangeResourceRecordSetsError;
use aws_sdk_route53::types::{ChangeAction, ChangeStatus, ResourceRecordSet};
use aws_smithy_runtime_api::client::result::SdkError;
use eco_provider::{Attrs, ErrorKind, Live, OpError};

use super::read::{key_of, record_id, same_values, RecordKey};
use super::requests::{change_batch, chunk_changes};
use super::Provider;
use crate::aws::{has_code, op_error};

/// The longest eco waits for a change to be INSYNC.
const INSYNC_WAIT: Duration = Duration::from_secs(300);

/// One change of a batch, as eco plans to send it.
pub(super) struct Pending {
    /// Index in the batch's items.
    pub index: usize,
    pub zone: String,
    pub kind: Kind,
    pub rrset: ResourceRecordSet,
    /// Eco-only attributes to carry into the result.
    pub local: Attrs,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Create { overwrite: bool },
    Update,
    Delete,
}

impl Kind {
    fn action(self) -> ChangeAction {
        match self {
            Kind::Create { overwrite: false } => ChangeAction::Create,
            Kind::Create { overwrite: true } | Kind::Update => ChangeAction::Upsert,
            Kind::Delete => ChangeAction::Delete,
        }
    }
}

impl Provider {
    /// Sends one request; waits until INSYNC (bounded).
    async fn send(
        &self,
        zone: &str,
        changes: &[(usize, ChangeAction, ResourceRecordSet)],
    ) -> Result<(), SdkError<ChangeResourceRecordSetsError, aws_smithy_runtime_api::http::Response>>
    {
        let out = self
            .r53
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(change_batch(changes))
            .send()
            .await?;
        if let Some(info) = out.change_info() {
            if *info.status() != ChangeStatus::Insync {
                if let Err(e) = self
                    .r53
                    .wait_until_resource_record_sets_changed()
                    .id(info.id())
                    .wait(crate::wait::budget(INSYNC_WAIT))
                    .await
                {
                    tracing::warn!(
                        change = info.id(),
                        "Route53 accepted the change but it was not INSYNC within {} s: {e}",
                        INSYNC_WAIT.as_secs()
                    );
                }
            }
        }
        Ok(())
    }

    /// Carries out one zone's changes; writes each one's result into `results`.
    pub(super) async fn apply_zone(
        &self,
        zone: &str,
        pending: Vec<Pending>,
        results: &mut [Option<Result<Option<Live>, OpError>>],
    ) {
        let done = |p: &Pending, rrset: &ResourceRecordSet| match p.kind {
            Kind::Delete => Ok(None),
            _ => Ok(Some(Self::live(zone, rrset, &p.local))),
        };
        let by_index: HashMap<usize, &Pending> = pending.iter().map(|p| (p.index, p)).collect();
        let changes: Vec<(usize, ChangeAction, ResourceRecordSet)> = pending
            .iter()
            .map(|p| (p.index, p.kind.action(), p.rrset.clone()))
            .collect();
        for chunk in chunk_changes(changes) {
            let refused = match self.send(zone, &chunk).await {
                Ok(()) => {
                    for (i, _, rrset) in &chunk {
                        results[*i] = Some(done(by_index[i], rrset));
                    }
                    continue;
                }
                Err(e) if has_code(&e, &["InvalidChangeBatch"]) => e,
                Err(e) if has_code(&e, &["NoSuchHostedZone"]) => {
                    let err = op_error("ChangeResourceRecordSets", e);
                    for (i, _, _) in &chunk {
                        results[*i] = Some(match by_index[i].kind {
                            Kind::Delete => Ok(None),
                            _ => Err(err.clone()),
                        });
                    }
                    continue;
                }
                Err(e) => {
                    let err = op_error("ChangeResourceRecordSets", e);
                    for (i, _, _) in &chunk {
                        results[*i] = Some(Err(err.clone()));
                    }
                    continue;
                }
            };
            // Refused: look at what the zone holds, settle what is already so, and resend.
            tracing::debug!(
                zone,
                "change batch refused ({refused:?}); reconciling with the zone"
            );
            let live: HashMap<RecordKey, ResourceRecordSet> = match self.list_zone(zone).await {
                Ok(Some(sets)) => sets.into_iter().map(|r| (key_of(&r), r)).collect(),
                Ok(None) => {
                    for (i, _, _) in &chunk {
                        results[*i] = Some(match by_index[i].kind {
                            Kind::Delete => Ok(None),
                            _ => Err(OpError::new(
                                "ChangeResourceRecordSets",
                                ErrorKind::Other,
                                format!("hosted zone {zone} no longer exists"),
                            )),
                        });
                    }
                    continue;
                }
                Err(e) => {
                    for (i, _, _) in &chunk {
                        results[*i] = Some(Err(e.clone()));
                    }
                    continue;
                }
            };
            let mut again = Vec::new();
            for (i, _, rrset) in chunk {
                let p = by_index[&i];
                let key = key_of(&rrset);
                match (p.kind, live.get(&key)) {
                    (Kind::Delete, None) => results[i] = Some(Ok(None)),
                    (Kind::Delete, Some(current)) => {
                        again.push((i, ChangeAction::Delete, current.clone()))
                    }
                    (Kind::Create { .. }, Some(current)) if same_values(current, &rrset) => {
                        results[i] = Some(done(p, &rrset))
                    }
                    (Kind::Create { overwrite: false }, Some(_)) => {
                        results[i] = Some(Err(OpError::new(
                            "ChangeResourceRecordSets",
                            ErrorKind::Conflict,
                            format!(
                                "{} {} already exists in zone {zone} with other values, and eco did not \
                                 create it: import it (`eco import ADDRESS {}`), or set \
                                 `allow-overwrite #true` to take it over",
                                key.0,
                                key.1,
                                record_id(zone, &key)
                            ),
                        )))
                    }
                    (Kind::Create { overwrite: false }, None) => {
                        again.push((i, ChangeAction::Create, rrset))
                    }
                    _ => again.push((i, ChangeAction::Upsert, rrset)),
                }
            }
            if again.is_empty() {
                continue;
            }
            match self.send(zone, &again).await {
                Ok(()) => {
                    for (i, _, rrset) in &again {
                        results[*i] = Some(done(by_index[i], rrset));
                    }
                }
                Err(_) => {
                    // One change per call, so that each error names its record.
                    for (i, action, rrset) in again {
                        let one = [(i, action, rrset.clone())];
                        results[i] = Some(match self.send(zone, &one).await {
                            Ok(()) => done(by_index[&i], &rrset),
                            Err(e) => Err(op_error("ChangeResourceRecordSets", e)),
                        });
                    }
                }
            }
        }
    }
}
