//! Id newtypes for the manager's objects, so a policy id can never be passed where a computer id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                Self(value)
            }
        }
    };
}

id_newtype!(
    /// The manager's `ID` of a computer.
    ComputerId
);
id_newtype!(
    /// The manager's `ID` of a policy.
    PolicyId
);
id_newtype!(
    /// The manager's `ID` of an intrusion prevention (or integrity monitoring) rule.
    RuleId
);
