//! The flow engine's error: every variant names the flow, and the task (`tasks[i]`, 0-based, in
//! definition order) and field when there is one; a run's failure names the record's position.

/// Why a flow did not compile, or why a run stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// The flow's name breaks AppFlow's naming rule.
    #[error(
        "flow `{flow}`: invalid name (letters, digits and _!@#.- , starting with a letter or digit, at most 256)"
    )]
    InvalidName {
        /// The flow.
        flow: String,
    },
    /// The schema given to `compile` is not the definition's source's.
    #[error("flow `{flow}`: source is `{source_name}` but the schema given is `{schema}`")]
    SourceMismatch {
        /// The flow.
        flow: String,
        /// The definition's source.
        source_name: String,
        /// The schema's name.
        schema: String,
    },
    /// Not one of AppFlow's task types.
    #[error("flow `{flow}` tasks[{task}]: unknown task type `{task_type}`")]
    UnknownTaskType {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The type given.
        task_type: String,
    },
    /// Not one of AppFlow's operators.
    #[error("flow `{flow}` tasks[{task}]: unknown operator `{operator}`")]
    UnknownOperator {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The operator given.
        operator: String,
    },
    /// An operator this task type cannot use (or none where one is required).
    #[error("flow `{flow}` tasks[{task}]: a {task_type} task cannot use operator `{operator}`")]
    OperatorNotAllowed {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The task's type.
        task_type: String,
        /// The operator (`none` when missing).
        operator: String,
    },
    /// A `taskProperties` key that is not one of AppFlow's.
    #[error("flow `{flow}` tasks[{task}]: unknown task property `{property}`")]
    UnknownProperty {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The key.
        property: String,
    },
    /// A task property the task needs.
    #[error("flow `{flow}` tasks[{task}]: missing task property `{property}`")]
    MissingProperty {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The key.
        property: String,
    },
    /// A task property with a value the task cannot use.
    #[error("flow `{flow}` tasks[{task}]: task property `{property}` = `{value}`: {reason}")]
    InvalidProperty {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The key.
        property: String,
        /// The value given.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// The wrong number of source fields for the task type.
    #[error(
        "flow `{flow}` tasks[{task}]: a {task_type} task takes {expected} source field(s), found {found}"
    )]
    SourceFieldCount {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The task's type.
        task_type: String,
        /// What the type takes.
        expected: &'static str,
        /// How many were given.
        found: usize,
    },
    /// The task writes a field but names none.
    #[error("flow `{flow}` tasks[{task}]: missing destination field")]
    MissingDestination {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
    },
    /// A field path that cannot be parsed.
    #[error("flow `{flow}` tasks[{task}]: field `{field}`: {reason}")]
    InvalidField {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The field as written.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A source field the source does not have.
    #[error("flow `{flow}` tasks[{task}]: source `{source_name}` has no field `{field}`")]
    UnknownField {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The field.
        field: String,
        /// The source.
        source_name: String,
    },
    /// A field a task reads that the flow's `PROJECTION` does not fetch.
    #[error("flow `{flow}` tasks[{task}]: field `{field}` is not in the flow's PROJECTION")]
    FieldNotProjected {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The field.
        field: String,
    },
    /// Two tasks write the same destination field.
    #[error(
        "flow `{flow}` tasks[{task}]: destination field `{field}` is already written by tasks[{first}]"
    )]
    DuplicateDestination {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The task that writes it first.
        first: usize,
        /// The field.
        field: String,
    },
    /// No task writes anything.
    #[error(
        "flow `{flow}`: no task maps a field (add Map, Map_all, Merge, Arithmetic, Mask or Truncate)"
    )]
    NothingMapped {
        /// The flow.
        flow: String,
    },
    /// A trigger's watermark field the source cannot provide.
    #[error("flow `{flow}` trigger: watermark field `{field}`: {reason}")]
    InvalidWatermark {
        /// The flow.
        flow: String,
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A Validate task with `VALIDATION_ACTION` terminate-flow failed: the run stops.
    #[error(
        "flow `{flow}` tasks[{task}]: record {record} failed {check} on field `{field}`; flow terminated"
    )]
    ValidationFailed {
        /// The flow.
        flow: String,
        /// The task's index.
        task: usize,
        /// The field.
        field: String,
        /// The record's 1-based position in the run (across batches).
        record: u64,
        /// The check (`VALIDATE_NON_NULL`, …).
        check: &'static str,
    },
}

impl FlowError {
    /// The task the error is about, if any.
    pub fn task(&self) -> Option<usize> {
        match self {
            Self::UnknownTaskType { task, .. }
            | Self::UnknownOperator { task, .. }
            | Self::OperatorNotAllowed { task, .. }
            | Self::UnknownProperty { task, .. }
            | Self::MissingProperty { task, .. }
            | Self::InvalidProperty { task, .. }
            | Self::SourceFieldCount { task, .. }
            | Self::MissingDestination { task, .. }
            | Self::InvalidField { task, .. }
            | Self::UnknownField { task, .. }
            | Self::FieldNotProjected { task, .. }
            | Self::DuplicateDestination { task, .. }
            | Self::ValidationFailed { task, .. } => Some(*task),
            Self::InvalidName { .. }
            | Self::SourceMismatch { .. }
            | Self::NothingMapped { .. }
            | Self::InvalidWatermark { .. } => None,
        }
    }

    /// True for a failure while records moved (the definition itself was fine).
    pub fn is_runtime(&self) -> bool {
        matches!(self, Self::ValidationFailed { .. })
    }
}
