//! The inventory snapshot the API and the dashboard answer from: every computer (sorted by id),
//! the fleet summary, the accounts and regions — loaded from the store once per sync, never per
//! request, and swapped atomically.
//!
//! [`Inventory::snapshot`] returns the current snapshot at once; at most every
//! [`CHECK_EVERY`] it also starts (in the background, one at a time) a check of the store's
//! `last_sync()` and reloads when it changed. [`Inventory::refresh`] reloads now (ward calls it
//! after a sync). Only the very first request waits for a load.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};
use ward_core::ports::SyncStats;
use ward_core::{Computer, ComputerId, FleetSummary, InventoryFilter, Store, StoreError};

/// How often the store's last sync is checked, at most.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

/// Filtered summaries kept per snapshot, at most (the filters are accounts × regions).
const MAX_CACHED_SUMMARIES: usize = 4096;

/// Serialized API answers kept per snapshot, at most.
const MAX_CACHED_ANSWERS: usize = 1024;

/// The largest serialized answer kept (a page of 1,000 computers is about 1 MB).
const MAX_CACHED_ANSWER_BYTES: usize = 2 << 20;

/// An (account, region) filter; `None` matches any.
type Scope = (Option<String>, Option<String>);

/// One consistent view of the inventory.
#[derive(Debug)]
pub struct Snapshot {
    /// Every computer, sorted by id.
    pub computers: Vec<Computer>,
    /// Counts over every computer.
    pub summary: Arc<FleetSummary>,
    /// The AWS accounts seen, sorted.
    pub accounts: Vec<String>,
    /// The regions seen, sorted.
    pub regions: Vec<String>,
    /// The sync this snapshot reflects (`None`: the store was never synced).
    pub sync: Option<SyncStats>,
    summaries: Mutex<HashMap<Scope, Arc<FleetSummary>>>,
    coverage: OnceLock<Coverage>,
    /// Positions in `computers` passing a filter, by the filter's key.
    selections: Mutex<HashMap<String, Arc<[u32]>>>,
    /// Serialized answers by request query: a snapshot never changes, so neither do they.
    answers: Mutex<HashMap<String, axum::body::Bytes>>,
}

/// Agent coverage per account and region.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// One row per (account, region) pair, sorted.
    pub rows: Vec<CoverageRow>,
    /// Every computer.
    pub total: CoverageCounts,
}

/// Coverage of one account in one region.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    /// `null` for computers the manager knows no account of.
    pub account_id: Option<String>,
    /// `null` for computers the manager knows no region of.
    pub region: Option<String>,
    #[serde(flatten)]
    pub counts: CoverageCounts,
}

/// How many computers, how many of them protected.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct CoverageCounts {
    pub computers: u64,
    pub protected: u64,
    pub unprotected: u64,
    /// Protected share, 0 to 100 (0 when there are no computers).
    pub percentage: f64,
}

impl CoverageCounts {
    fn add(&mut self, computer: &Computer) {
        self.computers += 1;
        if computer.protected() {
            self.protected += 1;
        } else {
            self.unprotected += 1;
        }
    }

    fn finish(mut self) -> Self {
        self.percentage = if self.computers == 0 {
            0.0
        } else {
            (self.protected as f64 * 1000.0 / self.computers as f64).round() / 10.0
        };
        self
    }
}

impl Snapshot {
    /// A snapshot of these computers.
    pub fn new(mut computers: Vec<Computer>, sync: Option<SyncStats>) -> Self {
        computers.sort_by_key(|computer| computer.computer_id);
        let summary = Arc::new(FleetSummary::of(&computers));
        let accounts: BTreeSet<&str> = computers
            .iter()
            .filter_map(|computer| computer.account_id.as_deref())
            .collect();
        let regions: BTreeSet<&str> = computers
            .iter()
            .filter_map(|computer| computer.region.as_deref())
            .collect();
        let accounts = accounts.into_iter().map(str::to_owned).collect();
        let regions = regions.into_iter().map(str::to_owned).collect();
        Self {
            computers,
            summary,
            accounts,
            regions,
            sync,
            summaries: Mutex::new(HashMap::new()),
            coverage: OnceLock::new(),
            selections: Mutex::new(HashMap::new()),
            answers: Mutex::new(HashMap::new()),
        }
    }

    /// An empty snapshot (no sync yet).
    pub fn empty() -> Self {
        Self::new(Vec::new(), None)
    }

    /// One computer by id.
    pub fn computer(&self, computer_id: ComputerId) -> Option<&Computer> {
        self.computers
            .binary_search_by_key(&computer_id, |computer| computer.computer_id)
            .ok()
            .map(|index| &self.computers[index])
    }

    /// The computers with an id greater than `after` (all when `None`), in id order.
    pub fn after(&self, after: Option<i64>) -> &[Computer] {
        match after {
            None => &self.computers,
            Some(after) => {
                let start = self
                    .computers
                    .partition_point(|computer| computer.computer_id.0 <= after);
                &self.computers[start..]
            }
        }
    }

    /// The computers of an account and region (either may be `None`: any).
    pub fn filtered<'a>(
        &'a self,
        account: Option<&'a str>,
        region: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Computer> + 'a {
        self.computers
            .iter()
            .filter(move |computer| matches(computer, account, region))
    }

    /// The positions (in `computers`, so in id order) of the computers `keeps` passes, computed
    /// once per snapshot for each filter `key` (at most [`MAX_CACHED_SUMMARIES`] filters).
    pub fn selection(&self, key: &str, keeps: impl Fn(&Computer) -> bool) -> Arc<[u32]> {
        if let Some(selection) = lock(&self.selections).get(key) {
            return Arc::clone(selection);
        }
        let selection: Arc<[u32]> = self
            .computers
            .iter()
            .enumerate()
            .filter(|(_, computer)| keeps(computer))
            .filter_map(|(index, _)| u32::try_from(index).ok())
            .collect();
        let mut cache = lock(&self.selections);
        if cache.len() < MAX_CACHED_SUMMARIES {
            cache.insert(key.to_owned(), Arc::clone(&selection));
        }
        selection
    }

    /// A serialized answer kept for this snapshot, by request.
    pub fn answer(&self, request: &str) -> Option<axum::body::Bytes> {
        lock(&self.answers).get(request).cloned()
    }

    /// Keeps a serialized answer for this snapshot (at most [`MAX_CACHED_ANSWERS`], each at most
    /// [`MAX_CACHED_ANSWER_BYTES`]).
    pub fn keep_answer(&self, request: &str, body: &axum::body::Bytes) {
        let mut cache = lock(&self.answers);
        if cache.len() < MAX_CACHED_ANSWERS && body.len() <= MAX_CACHED_ANSWER_BYTES {
            cache.insert(request.to_owned(), body.clone());
        }
    }

    /// The summary of an account and region (cached per filter for this snapshot).
    pub fn summary_for(&self, account: Option<&str>, region: Option<&str>) -> Arc<FleetSummary> {
        if account.is_none() && region.is_none() {
            return Arc::clone(&self.summary);
        }
        let key = (account.map(str::to_owned), region.map(str::to_owned));
        if let Some(summary) = lock(&self.summaries).get(&key) {
            return Arc::clone(summary);
        }
        let summary = Arc::new(FleetSummary::of(self.filtered(account, region)));
        let known = account.is_none_or(|account| self.accounts.iter().any(|a| a == account))
            && region.is_none_or(|region| self.regions.iter().any(|r| r == region));
        let mut cache = lock(&self.summaries);
        if known && cache.len() < MAX_CACHED_SUMMARIES {
            cache.insert(key, Arc::clone(&summary));
        }
        summary
    }

    /// Coverage per account and region (computed once per snapshot).
    pub fn coverage(&self) -> &Coverage {
        self.coverage.get_or_init(|| {
            let mut rows: BTreeMap<(Option<&str>, Option<&str>), CoverageCounts> = BTreeMap::new();
            let mut total = CoverageCounts::default();
            for computer in &self.computers {
                total.add(computer);
                rows.entry((computer.account_id.as_deref(), computer.region.as_deref()))
                    .or_default()
                    .add(computer);
            }
            Coverage {
                rows: rows
                    .into_iter()
                    .map(|((account_id, region), counts)| CoverageRow {
                        account_id: account_id.map(str::to_owned),
                        region: region.map(str::to_owned),
                        counts: counts.finish(),
                    })
                    .collect(),
                total: total.finish(),
            }
        })
    }
}

/// Whether a computer is in the account and region (`None`: any).
pub fn matches(computer: &Computer, account: Option<&str>, region: Option<&str>) -> bool {
    account.is_none_or(|account| computer.account_id.as_deref() == Some(account))
        && region.is_none_or(|region| computer.region.as_deref() == Some(region))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The snapshot holder: the current snapshot, and how to get a newer one.
#[derive(Debug)]
pub struct Inventory {
    store: Arc<dyn Store>,
    current: RwLock<Option<Arc<Snapshot>>>,
    started: Instant,
    /// Milliseconds after `started` when the next check is due.
    next_check_ms: AtomicU64,
    /// Single flight: one load at a time.
    loading: tokio::sync::Mutex<()>,
}

impl Inventory {
    pub fn new(store: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            store,
            current: RwLock::new(None),
            started: Instant::now(),
            next_check_ms: AtomicU64::new(0),
            loading: tokio::sync::Mutex::new(()),
        })
    }

    /// The current snapshot, without waiting, when one is loaded.
    pub fn loaded(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The current snapshot. Loads it the first time; afterwards never waits: when a check is due
    /// it runs in the background and a newer snapshot serves later requests.
    pub async fn snapshot(self: &Arc<Self>) -> Result<Arc<Snapshot>, StoreError> {
        let Some(snapshot) = self.loaded() else {
            let _loading = self.loading.lock().await;
            if let Some(snapshot) = self.loaded() {
                return Ok(snapshot);
            }
            self.check_done();
            return self.load().await;
        };
        if self.claim_check() {
            let inventory = Arc::clone(self);
            tokio::spawn(async move {
                if let Err(error) = inventory.reload_if_synced().await {
                    tracing::warn!(%error, "cannot check the store for a newer inventory");
                }
            });
        }
        Ok(snapshot)
    }

    /// Reloads now, whatever the store's last sync says (after a sync, or an upsert).
    pub async fn refresh(&self) -> Result<Arc<Snapshot>, StoreError> {
        let _loading = self.loading.lock().await;
        self.check_done();
        self.load().await
    }

    /// Reloads when the store's last sync differs from the snapshot's.
    async fn reload_if_synced(&self) -> Result<(), StoreError> {
        let Ok(_loading) = self.loading.try_lock() else {
            return Ok(());
        };
        let last = self.store.last_sync().await?;
        let current = self.loaded().and_then(|snapshot| snapshot.sync.clone());
        if last != current {
            self.load().await?;
        }
        Ok(())
    }

    async fn load(&self) -> Result<Arc<Snapshot>, StoreError> {
        let started = Instant::now();
        let sync = self.store.last_sync().await?;
        let computers = self.store.computers(&InventoryFilter::default()).await?;
        let snapshot = Arc::new(Snapshot::new(computers, sync));
        crate::metrics::inventory(&snapshot.summary);
        tracing::debug!(
            computers = snapshot.computers.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "inventory snapshot loaded"
        );
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    /// Milliseconds since the holder was made (a monotonic interval, not a time of day).
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn check_done(&self) {
        let next = self.elapsed_ms() + CHECK_EVERY.as_millis() as u64;
        self.next_check_ms.store(next, Ordering::Relaxed);
    }

    /// Whether this caller gets to run the due check (one caller per period does).
    fn claim_check(&self) -> bool {
        let now = self.elapsed_ms();
        let due = self.next_check_ms.load(Ordering::Relaxed);
        now >= due
            && self
                .next_check_ms
                .compare_exchange(
                    due,
                    now + CHECK_EVERY.as_millis() as u64,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
    }
}
