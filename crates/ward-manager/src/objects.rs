//! `impl ward_core::records::ManagerObjects for ManagerClient`: the manager's objects as its own
//! JSON, for flows. A computers listing asks only for the parts (`expand`) the flow reads.

use crate::api::next_after;
use crate::client::{Expand, ManagerClient};
use crate::transport::Transport;
use async_trait::async_trait;
use std::collections::BTreeSet;
use ward_core::records::{JsonObject, ManagerObject, ManagerObjects};
use ward_core::{ManagerError, Page};

/// The computer parts (`expand`) that hold these top-level fields: those the fields name, or
/// every part when the reader wants all fields. Fields of the computer itself need no part.
pub fn expand_for_fields(fields: Option<&BTreeSet<String>>) -> Vec<Expand> {
    let Some(fields) = fields else {
        return vec![Expand::All];
    };
    let mut expand: Vec<Expand> = Vec::new();
    for field in fields {
        let part = Expand::parse(field)
            .filter(|part| !part.is_group())
            .or_else(|| {
                field
                    .ends_with("VirtualMachineSummary")
                    .then_some(Expand::AllVirtualMachineSummaries)
            });
        if let Some(part) = part.filter(|part| !expand.contains(part)) {
            expand.push(part);
        }
    }
    if expand.is_empty() {
        expand.push(Expand::None);
    }
    expand
}

/// The id of the last object of a page.
fn last_id(objects: &[JsonObject]) -> Option<i64> {
    objects
        .iter()
        .filter_map(|object| object.get("ID")?.as_i64())
        .max()
}

#[async_trait]
impl<T: Transport> ManagerObjects for ManagerClient<T> {
    async fn objects_page(
        &self,
        object: ManagerObject,
        after: Option<i64>,
        limit: usize,
        fields: Option<&BTreeSet<String>>,
    ) -> Result<Page<JsonObject>, ManagerError> {
        let items = match object {
            ManagerObject::Computers => {
                self.computers_after_json(after, limit, &expand_for_fields(fields))
                    .await?
            }
            ManagerObject::IntrusionPreventionRules => {
                self.ips_rules_after_json(after, limit).await?
            }
            ManagerObject::Policies => {
                return Ok(Page {
                    items: self.policies_json().await?,
                    next_after: None,
                });
            }
        };
        let next_after = next_after(items.len(), limit, last_id(&items));
        Ok(Page { items, next_after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn computers_are_listed_with_the_parts_the_fields_name() {
        assert_eq!(expand_for_fields(None), vec![Expand::All]);
        assert_eq!(
            expand_for_fields(Some(&fields(&["hostName", "ID"]))),
            vec![Expand::None]
        );
        assert_eq!(
            expand_for_fields(Some(&fields(&[
                "computerStatus",
                "ec2VirtualMachineSummary",
                "hostName",
                "intrusionPrevention",
                "azureVMVirtualMachineSummary",
            ]))),
            vec![
                Expand::AllVirtualMachineSummaries,
                Expand::ComputerStatus,
                Expand::Ec2VirtualMachineSummary,
                Expand::IntrusionPrevention,
            ]
        );
    }
}
