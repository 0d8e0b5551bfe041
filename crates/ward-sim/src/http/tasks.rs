//! `/scheduledtasks`: create (and run now), list, search, describe, modify (and run now), delete.

use super::body::{parse_keeping, parse_optional};
use super::{Caller, json, parse_id, record};
use crate::Simulator;
use crate::error::ApiError;
use crate::roles::Right;
use crate::search::{Query, SearchFilter};
use crate::state::TaskRun;
use crate::tasks::{ScheduledTask, ScheduledTasksOut};
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};

fn delay_ms(sim: &Simulator) -> i64 {
    i64::try_from(sim.config().scan_delay_ms).unwrap_or(i64::MAX / 2)
}

/// Records what a task did: a run under the task's type, otherwise `fallback`.
fn record_task(
    sim: &Simulator,
    caller: Caller,
    task: &ScheduledTask,
    run: Option<&TaskRun>,
    fallback: &str,
) {
    let mut fields = serde_json::json!({
        "taskID": task.id,
        "name": task.name,
        "type": task.task_type,
    });
    let kind = match run {
        Some(run) => {
            if let [only] = run.computer_ids.as_slice() {
                fields["computerID"] = (*only).into();
            }
            fields["computerCount"] = run.computer_ids.len().into();
            if let Some(Some(filter)) = task
                .task_type
                .as_deref()
                .and_then(|task_type| task.computer_filter(task_type))
            {
                fields["computerFilter"] = serde_json::to_value(filter).unwrap_or_default();
            }
            task.task_type.as_deref().unwrap_or(fallback)
        }
        None => fallback,
    };
    record(sim, caller, kind, fields);
}

/// `POST /scheduledtasks`: creates a task; `runNow: true` runs it at once.
pub(super) async fn create(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(&sim, Right::CreateScheduledTasks, "create scheduled tasks")?;
    let (_, task): (serde_json::Value, ScheduledTask) = parse_keeping(&body)?;
    if task.run_now == Some(true) {
        caller.require(&sim, Right::ExecuteScheduledTasks, "run scheduled tasks")?;
    }
    let mut state = sim.write();
    let (task, run) = state.create_task(task, sim.clock_ms(), delay_ms(&sim))?;
    record_task(&sim, caller, &task, run.as_ref(), "create-scheduled-task");
    Ok(json(&task))
}

/// `GET /scheduledtasks`.
pub(super) async fn list(State(sim): State<Simulator>) -> Response {
    let state = sim.read();
    json(&ScheduledTasksOut {
        scheduled_tasks: state.tasks.values().collect(),
    })
}

/// `POST /scheduledtasks/search`.
pub(super) async fn search(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let filter: SearchFilter = parse_optional(&body)?.unwrap_or_default();
    let query = Query::compile::<ScheduledTask>(filter).map_err(ApiError::bad_request)?;
    let state = sim.read();
    let tasks: Vec<ScheduledTask> = state.tasks.values().cloned().collect();
    let selected = query.select(&tasks);
    Ok(json(&ScheduledTasksOut {
        scheduled_tasks: selected.into_iter().map(|i| &tasks[i]).collect(),
    }))
}

/// `GET /scheduledtasks/{scheduledTaskID}`.
pub(super) async fn describe(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "scheduledTaskID")?;
    let state = sim.read();
    let task = state
        .tasks
        .get(&id)
        .ok_or_else(|| ApiError::not_found("The scheduled task does not exist."))?;
    Ok(json(task))
}

/// `POST /scheduledtasks/{scheduledTaskID}`: a partial update; `runNow: true` runs the task.
pub(super) async fn modify(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "scheduledTaskID")?;
    let (changes, task): (serde_json::Value, ScheduledTask) = parse_keeping(&body)?;
    let only_runs = changes
        .as_object()
        .is_some_and(|fields| fields.keys().all(|name| name == "runNow"));
    if !only_runs {
        caller.require(&sim, Right::EditScheduledTasks, "modify scheduled tasks")?;
    }
    if task.run_now == Some(true) {
        caller.require(&sim, Right::ExecuteScheduledTasks, "run scheduled tasks")?;
    }
    let mut state = sim.write();
    let (task, run) = state.modify_task(id, task, sim.clock_ms(), delay_ms(&sim))?;
    record_task(&sim, caller, &task, run.as_ref(), "modify-scheduled-task");
    Ok(json(&task))
}

/// `DELETE /scheduledtasks/{scheduledTaskID}`: an empty 200.
pub(super) async fn remove(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&sim, Right::DeleteScheduledTasks, "delete scheduled tasks")?;
    let id = parse_id(&id, "scheduledTaskID")?;
    let mut state = sim.write();
    state
        .tasks
        .remove(&id)
        .ok_or_else(|| ApiError::not_found("The scheduled task does not exist."))?;
    record(
        &sim,
        caller,
        "delete-scheduled-task",
        serde_json::json!({ "taskID": id }),
    );
    Ok(().into_response())
}
