//! A faithful, deterministic simulator of the Trend Micro Workload Security (Deep Security)
//! REST API v1 subset ward uses, for tests, demos and benchmarks.
//!
//! [`Simulator::new`] generates a fleet of computers, policies and a catalogue of about 3000
//! intrusion prevention rules from a [`SimConfig`]; [`Simulator::router`] answers the API under
//! `/api` with the real paths, field names, headers and status codes; [`serve`] runs it on a TCP
//! listener. What it simulates:
//!
//! - auth: `api-version: v1` is required; keys go in `Authorization: ApiKey …` or
//!   `api-secret-key: …`; a Full Access and a read-only Auditor key, whose roles (`GET /roles`)
//!   are what the simulator enforces;
//! - computers (`expand`, `overrides`), policies, intrusion prevention rules, search with the
//!   manager's semantics (slash paths, `%`/`_` wildcards, ID paging, `maxItems`), rule
//!   assignments on computers and policies, run-now scheduled tasks whose scans take effect
//!   after a delay, agent activation and deployment scripts, the current API key;
//! - a sliding 60-second rate limit and injected faults (429, 500, 503, slow, reset) that happen
//!   before any handler runs, so a faulted call changes nothing;
//! - `GET /_sim/actions` (every state change, for tests to assert) and `GET /_sim/calls`.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let simulator = ward_sim::Simulator::new(ward_sim::SimConfig { fleet: 100, ..Default::default() });
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! ward_sim::serve(listener, simulator).await
//! # }
//! ```

mod computer;
mod config;
mod error;
mod expand;
mod faults;
mod fleet;
mod http;
mod module;
mod patch;
mod policies;
mod rng;
mod roles;
mod rules;
mod search;
mod serve;
mod state;
mod tasks;

pub use config::{FaultKind, SimConfig, UnknownFaultKind};

use faults::{FaultDice, RateWindow};
use roles::{Role, Tenant};
use state::State;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use ward_core::Clock;

/// A simulated manager. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Arc<dyn Clock>,
    config: SimConfig,
    state: RwLock<State>,
    /// Mirrors `State::has_pending`, so reads need no write lock when nothing is due.
    pending: AtomicBool,
    calls: AtomicU64,
    window: Option<Mutex<RateWindow>>,
    dice: Mutex<FaultDice>,
    actions: Mutex<Vec<serde_json::Value>>,
    roles: Vec<Role>,
    tenant: Tenant,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("config", &self.inner.config)
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Simulator {
    /// Generates the fleet, policies and rules for `config`. The same configuration always
    /// generates the same objects (times are relative to now), on the wall clock.
    pub fn new(config: SimConfig) -> Self {
        Self::with_clock(config, ward_clock::SystemClock::shared())
    }

    /// A simulator whose time is `clock`'s: scans take effect when it passes their delay, and
    /// every date it answers with is read from it (tests drive a `ward_core::ManualClock`).
    pub fn with_clock(config: SimConfig, clock: Arc<dyn Clock>) -> Self {
        let state = State::new(&config, clock.now_ms());
        let tenant = Tenant::new(config.seed);
        let roles = tenant.roles();
        let window = config
            .rate_limit_per_minute
            .map(|limit| Mutex::new(RateWindow::new(limit)));
        let dice = FaultDice::new(config.seed, config.fault_rate, &config.fault_kinds);
        Self {
            inner: Arc::new(Inner {
                clock,
                config,
                state: RwLock::new(state),
                pending: AtomicBool::new(false),
                calls: AtomicU64::new(0),
                window,
                dice: Mutex::new(dice),
                actions: Mutex::new(Vec::new()),
                roles,
                tenant,
            }),
        }
    }

    /// The API under `/api`, plus `/_sim/actions` and `/_sim/calls`. Served without
    /// [`serve`], the `reset` fault can only break the answer's body, not drop the connection.
    pub fn router(&self) -> axum::Router {
        http::router(self.clone())
    }

    /// Every state-changing call so far, oldest first: objects with at least `kind`, `at`
    /// (milliseconds since the epoch) and `role`, plus `computerID` or `policyID`, `ruleIDs`,
    /// `taskID`, … as the kind has them.
    pub fn actions(&self) -> Vec<serde_json::Value> {
        lock(&self.inner.actions).clone()
    }

    /// How many `/api` calls arrived, refused ones included.
    pub fn calls(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// The configuration the simulator was built from.
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// How many computers the manager knows.
    pub fn computer_count(&self) -> usize {
        self.read().fleet.computers.len()
    }

    /// The state for reading, with due scans applied first.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, State> {
        if self.inner.pending.load(Ordering::Acquire) {
            drop(self.write());
        }
        self.inner
            .state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The state for changing, with due scans applied first.
    pub(crate) fn write(&self) -> StateGuard<'_> {
        let mut guard = self
            .inner
            .state
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        guard.settle(self.clock_ms());
        StateGuard {
            guard,
            pending: &self.inner.pending,
        }
    }

    /// Milliseconds since the epoch, on the simulator's clock.
    pub(crate) fn clock_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Records a state change for `/_sim/actions`.
    pub(crate) fn record(&self, action: serde_json::Value) {
        lock(&self.inner.actions).push(action);
    }

    pub(crate) fn count_call(&self) {
        self.inner.calls.fetch_add(1, Ordering::Relaxed);
    }

    /// Admits a call under the rate limit, or says how many seconds to wait.
    pub(crate) fn admit(&self) -> Result<(), u64> {
        match &self.inner.window {
            Some(window) => lock(window).admit(std::time::Instant::now()),
            None => Ok(()),
        }
    }

    pub(crate) fn roll_fault(&self) -> Option<faults::Fault> {
        lock(&self.inner.dice).roll()
    }

    pub(crate) fn roles(&self) -> &[Role] {
        &self.inner.roles
    }

    pub(crate) fn tenant(&self) -> &Tenant {
        &self.inner.tenant
    }
}

/// Write access to the state; on release, notes whether scans are still pending.
pub(crate) struct StateGuard<'a> {
    guard: RwLockWriteGuard<'a, State>,
    pending: &'a AtomicBool,
}

impl std::ops::Deref for StateGuard<'_> {
    type Target = State;

    fn deref(&self) -> &State {
        &self.guard
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        self.pending
            .store(self.guard.has_pending(), Ordering::Release);
    }
}

/// Serves the simulator on `listener` until the listener fails. Connections can be dropped by
/// the `reset` fault.
pub async fn serve(listener: tokio::net::TcpListener, sim: Simulator) -> std::io::Result<()> {
    let app = sim
        .router()
        .into_make_service_with_connect_info::<serve::Connection>();
    axum::serve(serve::SimListener::new(listener), app).await
}
