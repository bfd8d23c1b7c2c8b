//! The state machine of a remote key set ([`credgate_core::remote::RemoteKeySet`]) for
//! `credgate.RemoteKeySet` and `credgate.AsyncRemoteKeySet` (python/credgate/_remote.py).
//!
//! This file only converts: the Python layer does the HTTP and supplies `now`; every decision
//! (whether to fetch, what an answer means, which keys serve) is the core's. It never does
//! I/O and never reads a clock.

use std::sync::{Mutex, MutexGuard, PoisonError};

use credgate_core::remote::{self, FetchResponse, Fetched, RemotePolicy};
use pyo3::prelude::*;

use super::{core_err, ser_to_py, Int, KeySet, Text};

/// The core's remote key set behind a lock (the Python layer calls it from several threads),
/// and the `KeySet` object of the last generation handed out, so each request does not
/// copy the keys.
#[pyclass(frozen, module = "credgate._credgate")]
pub(crate) struct RemoteKeySetState {
    inner: Mutex<remote::RemoteKeySet>,
    handed_out: Mutex<Option<(u64, Py<KeySet>)>>,
}

/// A lock is poisoned only by a panic while held, which the core never does.
fn locked<T>(lock: &Mutex<T>) -> MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The keys [`RemoteKeySetState::usable`] hands out: the object of this generation handed out
/// before, or keys to wrap in a new one.
enum Found {
    Same(Py<KeySet>),
    New(credgate_core::KeySet),
}

/// An order as a dict (`reason`, `if_none_match`, `timeout`, `max_bytes`), or `None`.
fn order_to_py<'py>(
    py: Python<'py>,
    order: Option<remote::FetchOrder>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    order
        .map(|order| ser_to_py(py, serde_json::to_value(order)))
        .transpose()
}

#[pymethods]
impl RemoteKeySetState {
    #[new]
    #[pyo3(signature = (
        *,
        default_max_age=None,
        min_max_age=None,
        max_max_age=None,
        unknown_key_cooldown=None,
        retry_min=None,
        retry_max=None,
        stale_if_error=None,
        fetch_timeout=None,
        max_keys=None,
        max_response_bytes=None,
    ))]
    #[expect(
        clippy::too_many_arguments,
        reason = "one keyword argument per policy field"
    )]
    fn new(
        py: Python<'_>,
        default_max_age: Option<Int<u64>>,
        min_max_age: Option<Int<u64>>,
        max_max_age: Option<Int<u64>>,
        unknown_key_cooldown: Option<Int<u64>>,
        retry_min: Option<Int<u64>>,
        retry_max: Option<Int<u64>>,
        stale_if_error: Option<Int<u64>>,
        fetch_timeout: Option<Int<u64>>,
        max_keys: Option<Int<usize>>,
        max_response_bytes: Option<Int<usize>>,
    ) -> PyResult<Self> {
        let d = RemotePolicy::default();
        let policy = RemotePolicy {
            default_max_age: default_max_age.map_or(d.default_max_age, |v| v.0),
            min_max_age: min_max_age.map_or(d.min_max_age, |v| v.0),
            max_max_age: max_max_age.map_or(d.max_max_age, |v| v.0),
            unknown_key_cooldown: unknown_key_cooldown.map_or(d.unknown_key_cooldown, |v| v.0),
            retry_min: retry_min.map_or(d.retry_min, |v| v.0),
            retry_max: retry_max.map_or(d.retry_max, |v| v.0),
            stale_if_error: stale_if_error.map_or(d.stale_if_error, |v| v.0),
            fetch_timeout: fetch_timeout.map_or(d.fetch_timeout, |v| v.0),
            max_keys: max_keys.map_or(d.max_keys, |v| v.0),
            max_response_bytes: max_response_bytes.map_or(d.max_response_bytes, |v| v.0),
        };
        let inner = remote::RemoteKeySet::new(policy).map_err(|e| core_err(py, e))?;
        Ok(Self {
            inner: Mutex::new(inner),
            handed_out: Mutex::new(None),
        })
    }

    /// The policy, as a dict of its fields.
    #[getter]
    fn policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let policy = locked(&self.inner).policy().clone();
        ser_to_py(py, serde_json::to_value(policy))
    }

    /// The fetch to start now, if one is due (then it is in flight), as a dict.
    fn poll<'py>(&self, py: Python<'py>, now: Int<i64>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let order = locked(&self.inner).poll(now.0);
        order_to_py(py, order)
    }

    /// A token named a kid the held set lacks: the fetch to start now, if one may.
    fn on_unknown_key<'py>(
        &self,
        py: Python<'py>,
        now: Int<i64>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let order = locked(&self.inner).on_unknown_key(now.0);
        order_to_py(py, order)
    }

    /// The answer to the fetch in flight: `"updated"` or `"unchanged"`, or `JwksError`.
    #[pyo3(signature = (now, status, cache_control, etag, body))]
    fn on_response(
        &self,
        py: Python<'_>,
        now: Int<i64>,
        status: Int<u16>,
        cache_control: Option<Text>,
        etag: Option<Text>,
        body: &[u8],
    ) -> PyResult<&'static str> {
        let response = FetchResponse {
            status: status.0,
            cache_control: cache_control.as_deref(),
            etag: etag.as_deref(),
            body,
        };
        let fetched = locked(&self.inner).on_response(now.0, &response);
        match fetched {
            Ok(Fetched::Updated) => Ok("updated"),
            Ok(Fetched::Unchanged) => Ok("unchanged"),
            Err(e) => Err(core_err(py, e)),
        }
    }

    /// The fetch in flight failed without an answer.
    fn on_failure(&self, now: Int<i64>, detail: Text) {
        locked(&self.inner).on_failure(now.0, &detail);
    }

    /// The keys usable at `now` and their generation, as one pair; or `JwksError`.
    fn usable(&self, py: Python<'_>, now: Int<i64>) -> PyResult<(Py<KeySet>, u64)> {
        let found = {
            let state = locked(&self.inner);
            let generation = state.generation();
            state
                .keys(now.0)
                .map(|keys| match &*locked(&self.handed_out) {
                    Some((g, same)) if *g == generation => {
                        (Found::Same(same.clone_ref(py)), generation)
                    }
                    _ => (Found::New(keys.clone()), generation),
                })
        };
        // Python objects (the exception, a new KeySet) are made with no lock held: making
        // one may run arbitrary Python code.
        match found {
            Err(e) => Err(core_err(py, e)),
            Ok((Found::Same(keys), generation)) => Ok((keys, generation)),
            Ok((Found::New(keys), generation)) => {
                let keys = Py::new(py, KeySet { inner: keys })?;
                *locked(&self.handed_out) = Some((generation, keys.clone_ref(py)));
                Ok((keys, generation))
            }
        }
    }

    /// Grows by one each time the held keys change.
    #[getter]
    fn generation(&self) -> u64 {
        locked(&self.inner).generation()
    }

    /// What is held and happening at `now`, as a dict.
    fn status<'py>(&self, py: Python<'py>, now: Int<i64>) -> PyResult<Bound<'py, PyAny>> {
        let status = locked(&self.inner).status(now.0);
        ser_to_py(py, serde_json::to_value(status))
    }
}
