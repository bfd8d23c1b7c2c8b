//! `credgate._credgate`: the native half of the `credgate` Python package.
//!
//! This crate only converts. Python values come in, `credgate-core` decides, Python values
//! go out. It owns three things and nothing else:
//!
//! - the JSON façade entry [`call`] (one string in, one string out, GIL released);
//! - the prepared, thread-safe objects of the hot path ([`KeySet`], [`VerifierCore`],
//!   [`PermissionSet`], [`Request`]) and the results they return ([`Decision`], [`Claims`]);
//! - the conversion of core errors into the package's exception hierarchy, in ONE place
//!   ([`to_py_err`]): the class is chosen by `credgate._errors.error_for_code`, so the
//!   code-to-class table exists once, in Python.
//!
//! It never reads a clock, draws randomness or touches files: `now` is always an argument
//! (the Python layer supplies `time.time()` when the caller gives none).

use std::borrow::Cow;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use credgate_core::cache::CacheLimits;
use credgate_core::facade::{self, Bearer, Checked, Failure, Outcome as Wire};
use credgate_core::json::MAX_DEPTH;
use credgate_core::request::{self, RequestError};
use credgate_core::revocation::RevocationList;
use credgate_core::token::{self, Audience, VerifyOptions};
use credgate_core::{authorize, codes, credential, oauth, Code};
use pyo3::exceptions::{PyException, PyKeyError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple,
    PyType,
};
use serde_json::{Map, Number, Value};

mod remote;

/// Whether a container entered with `depth` containers around it is nested too deeply.
///
/// The limit is the core's [`MAX_DEPTH`], counted as the core counts it for text and host
/// values alike: a value of `MAX_DEPTH` nested arrays or objects is read, one more is not.
/// So a Python value is accepted exactly when its JSON text would be
/// (`tests/test_bad_input.py` checks both sides of the boundary).
fn too_deep(depth: usize) -> bool {
    depth >= MAX_DEPTH
}

// ------------------------------------------------------------------ errors, in one place

/// A core error as the failure every host reports (code, message, index, problems).
fn failure(error: impl Into<credgate_core::Error>) -> Failure {
    Failure::from(error.into())
}

/// The exception for a core error.
fn core_err(py: Python<'_>, error: impl Into<credgate_core::Error>) -> PyErr {
    to_py_err(py, &failure(error))
}

static ERROR_FOR_CODE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static ERROR_CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static PERMISSION_CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// An attribute of a module of the package, looked up once.
fn package_attr<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    module: &str,
    name: &str,
) -> PyResult<&'py Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || Ok(py.import(module)?.getattr(name)?.unbind()))
        .map(|f| f.bind(py))
}

/// The exception for a failure, built by `credgate._errors.error_for_code(code, message,
/// index=..., errors=...)`: the one place that chooses the class.
fn to_py_err(py: Python<'_>, failure: &Failure) -> PyErr {
    let built = package_attr(py, &ERROR_FOR_CODE, "credgate._errors", "error_for_code").and_then(
        |factory| {
            let kwargs = PyDict::new(py);
            if let Some(index) = failure.index {
                kwargs.set_item("index", index)?;
            }
            if !failure.errors.is_empty() {
                let problems = serde_json::to_value(&failure.errors).unwrap_or_default();
                kwargs.set_item("errors", to_py(py, &problems)?)?;
            }
            factory.call((failure.code.as_str(), &failure.message), Some(&kwargs))
        },
    );
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(error) => error,
    }
}

/// `input.invalid`: the input could not be converted at all.
fn input_invalid(py: Python<'_>, message: impl Into<String>) -> PyErr {
    to_py_err(py, &Failure::new(Code::InputInvalid, message))
}

/// An exception raised by Python code while the input was read (an iterator, a mapping's
/// `items`): `input.invalid` with the original as its `__cause__`, as SPEC §9 asks of a JS
/// value that throws while it is read. credgate's own errors, and exceptions that are not
/// `Exception`s (`KeyboardInterrupt`...), pass unchanged.
fn while_reading(py: Python<'_>, error: PyErr, what: &str) -> PyErr {
    let ours = package_attr(py, &ERROR_CLASS, "credgate._errors", "Error")
        .is_ok_and(|class| error.is_instance(py, class));
    if ours || !error.is_instance_of::<PyException>(py) {
        return error;
    }
    let wrapped = input_invalid(py, format!("{what} could not be read: {}", error.value(py)));
    wrapped.set_cause(py, Some(error));
    wrapped
}

/// The name of a value's type, for messages.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// A `str` as Rust text; a lone surrogate (not Unicode text) is `input.invalid`.
fn rust_str<'a>(s: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    s.to_cow().map_err(|_| {
        input_invalid(
            s.py(),
            "a str holds a lone surrogate (e.g. \\ud800): it is not Unicode text",
        )
    })
}

/// A `str` argument (valid Unicode, kept without a copy); anything else is `input.invalid`.
struct Text(PyBackedStr);

impl<'a, 'py> FromPyObject<'a, 'py> for Text {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let obj: &Bound<'py, PyAny> = &obj;
        let s = obj.cast::<PyString>().map_err(|_| {
            input_invalid(
                obj.py(),
                format!("expected a str, not `{}`", type_name(obj)),
            )
        })?;
        rust_str(s)?;
        PyBackedStr::try_from(s.clone())
            .map(Text)
            .map_err(|_| input_invalid(obj.py(), "a str is not Unicode text"))
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// An `int` argument within `T`'s range (`bool` refused); anything else is `input.invalid`.
struct Int<T>(T);

impl<'a, 'py, T> FromPyObject<'a, 'py> for Int<T>
where
    T: for<'b> FromPyObject<'b, 'py>,
{
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let obj: &Bound<'py, PyAny> = &obj;
        if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
            return Err(input_invalid(
                obj.py(),
                format!("expected an int, not `{}`", type_name(obj)),
            ));
        }
        obj.extract::<T>().map(Int).map_err(|_| {
            input_invalid(
                obj.py(),
                format!(
                    "the int {obj} is out of range ({})",
                    std::any::type_name::<T>()
                ),
            )
        })
    }
}

/// The items of a list-like argument (any iterable but `str`, `bytes` and mappings), each
/// read failure being `input.invalid`.
fn items<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let py = obj.py();
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyDict>()
        || obj.cast::<PyMapping>().is_ok()
    {
        return Err(input_invalid(
            py,
            format!("{what} must be a list, not a `{}`", type_name(obj)),
        ));
    }
    let iter = obj.try_iter().map_err(|e| while_reading(py, e, what))?;
    iter.map(|item| item.map_err(|e| while_reading(py, e, what)))
        .collect()
}

// ------------------------------------------------------------------ JSON <-> Python

/// A JSON value as the Python value `json.loads` would give.
fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A serializable core value (claims, decisions, records) as Python values.
fn ser_to_py<'py>(
    py: Python<'py>,
    value: Result<Value, serde_json::Error>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Ok(v) => to_py(py, &v),
        Err(e) => Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "credgate could not convert a core value: {e}"
        ))),
    }
}

/// A Python value as JSON: `None`, `bool`, `int` (64-bit), finite `float`, `str` (Unicode
/// text), `list`, `tuple`, and `dict` or any mapping with `str` keys. Anything else, a value
/// nested as deep as the core's text parser refuses (cycles end there), a duplicate key or
/// an exception while reading is `input.invalid`; nothing else escapes.
fn from_py(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(input_invalid(
            py,
            "an int is out of range (JSON integers here fit in 64 bits)",
        ));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| input_invalid(py, "a float is not finite"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(rust_str(s)?.into_owned()));
    }
    let list = obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>();
    let dict = obj.cast::<PyDict>().ok();
    let mapping = if list || dict.is_some() {
        None
    } else {
        obj.cast::<PyMapping>().ok()
    };
    if !list && dict.is_none() && mapping.is_none() {
        return Err(input_invalid(
            py,
            format!(
                "cannot use a `{}` as JSON: give a dict, list, str, int, float, bool or None",
                type_name(obj)
            ),
        ));
    }
    if too_deep(depth) {
        return Err(input_invalid(
            py,
            format!("the value is nested {MAX_DEPTH} levels deep or more (or refers to itself)"),
        ));
    }
    if list {
        let mut items = Vec::new();
        for item in obj.try_iter().map_err(|e| while_reading(py, e, "a list"))? {
            let item = item.map_err(|e| while_reading(py, e, "a list"))?;
            items.push(from_py(&item, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    let mut map = Map::new();
    let mut member = |k: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>| -> PyResult<()> {
        let key = k.cast::<PyString>().map_err(|_| {
            input_invalid(py, format!("a dict key is a `{}`, not a str", type_name(k)))
        })?;
        let key = rust_str(key)?.into_owned();
        let value = from_py(v, depth + 1)?;
        if map.contains_key(&key) {
            return Err(input_invalid(py, format!("duplicate member `{key}`")));
        }
        map.insert(key, value);
        Ok(())
    };
    if let Some(d) = dict {
        for (k, v) in d.iter() {
            member(&k, &v)?;
        }
    } else if let Some(m) = mapping {
        let pairs = m.items().map_err(|e| while_reading(py, e, "a mapping"))?;
        for pair in pairs.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair
                .extract()
                .map_err(|e| while_reading(py, e, "a mapping"))?;
            member(&k, &v)?;
        }
    }
    Ok(Value::Object(map))
}

/// A JWKS given as a dict, a JSON `str` or JSON `bytes`.
fn jwks_value(obj: &Bound<'_, PyAny>) -> PyResult<Result<token::KeySet, token::JwksError>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(token::KeySet::from_json(&rust_str(s)?));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        let text = std::str::from_utf8(b.as_bytes())
            .map_err(|_| input_invalid(obj.py(), "the JWKS bytes are not UTF-8"))?;
        return Ok(token::KeySet::from_json(text));
    }
    Ok(token::KeySet::from_value(&from_py(obj, 0)?))
}

// ------------------------------------------------------------------ the façade

/// Runs one core operation on a Python value and returns `(kind, output)`: the kind is
/// `"result"` or `"answer"` as the core decides it (docs/OUTCOMES.md), the output the
/// answer's members as Python values. A failure is raised, as the class of its code. The
/// GIL is released while the core works.
#[pyfunction]
fn run<'py>(
    py: Python<'py>,
    op: Text,
    input: &Bound<'py, PyAny>,
) -> PyResult<(&'static str, Bound<'py, PyAny>)> {
    let value = from_py(input, 0)?;
    match py.detach(|| facade::call(&op, value)) {
        Wire::Result(out) => Ok(("result", to_py(py, &out)?)),
        Wire::Answer(out) => Ok(("answer", to_py(py, &out)?)),
        Wire::Failure(failure) => Err(to_py_err(py, &failure)),
    }
}

/// Runs one core operation and returns its wire form as a dict (the `outcome` member says
/// which of result, answer or failure it is; nothing is raised for a failed operation, and
/// input that cannot be converted is an `input.invalid` failure like any other).
#[pyfunction]
fn call<'py>(py: Python<'py>, op: Text, input: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let outcome = match from_py(input, 0) {
        Ok(value) => py.detach(|| facade::call(&op, value)),
        Err(error) => {
            let message = error.value(py).to_string();
            Wire::Failure(Failure::new(Code::InputInvalid, message))
        }
    };
    to_py(py, &serde_json::to_value(outcome).unwrap_or_default())
}

/// The JSON text of a Python value, converted as every entry point converts (see
/// [`from_py`]); raises `input.invalid`.
#[pyfunction]
fn dumps(value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(from_py(value, 0)?.to_string())
}

// ------------------------------------------------------------------ requests

/// What a caller wants to do and where: `type`, `action`, optional `vault`, `key` (with its
/// vault) and `org`. Invalid requests raise `RequestError` (`request.invalid`).
#[pyclass(frozen, eq, hash, module = "credgate")]
#[derive(PartialEq, Eq, Hash)]
struct Request {
    inner: request::Request,
}

#[pymethods]
impl Request {
    #[new]
    #[pyo3(signature = (r#type, action, vault=None, key=None, org=None))]
    fn new(
        py: Python<'_>,
        r#type: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        vault: Option<&Bound<'_, PyAny>>,
        key: Option<&Bound<'_, PyAny>>,
        org: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        // The arguments are the JSON form's members: the core reads both the same way.
        let mut form = Map::new();
        form.insert("type".to_owned(), from_py(r#type, 1)?);
        form.insert("action".to_owned(), from_py(action, 1)?);
        for (name, value) in [("vault", vault), ("key", key), ("org", org)] {
            if let Some(value) = value {
                form.insert(name.to_owned(), from_py(value, 1)?);
            }
        }
        request::Request::from_value(&Value::Object(form))
            .map(|inner| Self { inner })
            .map_err(|e| core_err(py, e))
    }

    /// From the JSON form `{"type", "action", "vault"?, "key"?, "org"?}`; other members are
    /// an error, so a misspelt field is never ignored.
    #[staticmethod]
    fn from_dict(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        request::Request::from_value(&from_py(value, 0)?)
            .map(|inner| Self { inner })
            .map_err(|e| core_err(py, e))
    }

    #[getter]
    fn r#type(&self) -> &'static str {
        self.inner.kind().as_str()
    }

    #[getter]
    fn action(&self) -> &'static str {
        self.inner.action().as_str()
    }

    #[getter]
    fn vault(&self) -> Option<&str> {
        self.inner.vault()
    }

    #[getter]
    fn key(&self) -> Option<&str> {
        self.inner.key()
    }

    #[getter]
    fn org(&self) -> Option<&str> {
        self.inner.org()
    }

    /// The JSON form.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser_to_py(py, serde_json::to_value(&self.inner))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = vec![
            format!("type={}", py_repr(py, self.r#type())?),
            format!("action={}", py_repr(py, self.action())?),
        ];
        for (name, value) in [
            ("vault", self.vault()),
            ("key", self.key()),
            ("org", self.org()),
        ] {
            if let Some(v) = value {
                parts.push(format!("{name}={}", py_repr(py, v)?));
            }
        }
        Ok(format!("Request({})", parts.join(", ")))
    }
}

/// Owned strings from the core's text slices (whatever string type the core keeps).
fn strings<T: AsRef<str>>(items: &[T]) -> Vec<String> {
    items.iter().map(|t| t.as_ref().to_owned()).collect()
}

/// Like [`strings`], for an optional list.
fn texts<T: AsRef<str>>(items: Option<&[T]>) -> Option<Vec<String>> {
    items.map(strings)
}

/// Python's `repr` of a string (quotes and escapes as Python writes them).
fn py_repr(py: Python<'_>, s: &str) -> PyResult<String> {
    Ok(PyString::new(py, s).repr()?.to_cow()?.into_owned())
}

/// A request argument: a `Request` (borrowed, no copy), or any value in the JSON form, read
/// by the core (`Err` inside: the core's `request.invalid`). A value that is not JSON at all
/// raises `input.invalid`.
fn request_arg<'a>(
    obj: &'a Bound<'_, PyAny>,
) -> PyResult<Result<Cow<'a, request::Request>, RequestError>> {
    if let Ok(r) = obj.cast::<Request>() {
        return Ok(Ok(Cow::Borrowed(&r.get().inner)));
    }
    Ok(request::Request::from_value(&from_py(obj, 0)?).map(Cow::Owned))
}

// ------------------------------------------------------------------ decisions

enum Outcome {
    Authorize(authorize::Decision),
    /// `check`'s answer, built by the core (a 400 `request.invalid` included).
    Check(Box<Checked>),
}

/// A decision: `allowed`, `reason` (a SPEC §8 code), the HTTP `status`, `matched` on allow,
/// `near_misses` on a permission deny; from `check`, also the `claims` of a verified token,
/// the `www_authenticate` challenge of a refusal, its RFC 6750 `error` and the `audit`
/// record. Truthy when allowed.
#[pyclass(frozen, module = "credgate")]
struct Decision {
    outcome: Outcome,
}

impl Decision {
    fn decision(&self) -> &authorize::Decision {
        match &self.outcome {
            Outcome::Authorize(d) => d,
            Outcome::Check(c) => &c.outcome.decision,
        }
    }
}

#[pymethods]
impl Decision {
    #[getter]
    fn allowed(&self) -> bool {
        self.decision().allowed
    }

    #[getter]
    fn reason(&self) -> &'static str {
        self.decision().reason.code().as_str()
    }

    /// 200 allow, 400 invalid request, 401 token failure, 403 IP, org or permission deny.
    #[getter]
    fn status(&self) -> u16 {
        match &self.outcome {
            Outcome::Authorize(d) => d.reason.status(),
            Outcome::Check(c) => c.outcome.status,
        }
    }

    #[getter]
    fn matched(&self) -> Option<&str> {
        self.decision().matched.as_deref()
    }

    #[getter]
    fn near_misses(&self) -> Option<Vec<String>> {
        texts(self.decision().near_misses.as_deref())
    }

    /// A person-readable explanation (from `check`; `None` for `authorize`).
    #[getter]
    fn message(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Authorize(_) => None,
            Outcome::Check(c) => Some(&c.outcome.message),
        }
    }

    /// The RFC 6750 `error` code of a refusal from `check` (`invalid_request`,
    /// `invalid_token` or `insufficient_scope`), the one its challenge names; `None` on
    /// allow, for a missing token and for `authorize`. The core's `CheckOutcome.error`.
    #[getter]
    fn error(&self) -> Option<&'static str> {
        match &self.outcome {
            Outcome::Authorize(_) => None,
            Outcome::Check(c) => c.outcome.error.map(|e| e.as_str()),
        }
    }

    /// The `WWW-Authenticate` value to send with a 401/403 (from `check`).
    #[getter]
    fn www_authenticate(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Authorize(_) => None,
            Outcome::Check(c) => c.outcome.www_authenticate.as_deref(),
        }
    }

    /// The verified token's claims (from `check`, when the token verified).
    #[getter]
    fn claims(&self) -> Option<Claims> {
        match &self.outcome {
            Outcome::Authorize(_) => None,
            Outcome::Check(c) => c.outcome.claims.clone().map(|inner| Claims { inner }),
        }
    }

    /// The decision record for an audit log (from `check`): time, client_id, org, jti,
    /// request, client_ip, allowed, status, reason, matched.
    #[getter]
    fn audit<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.outcome {
            Outcome::Check(c) if c.audit.is_some() => {
                Ok(Some(ser_to_py(py, serde_json::to_value(&c.audit))?))
            }
            _ => Ok(None),
        }
    }

    /// The JSON form (as the façade's `authorize`/`check` output).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.outcome {
            Outcome::Authorize(d) => ser_to_py(py, serde_json::to_value(d)),
            Outcome::Check(c) => ser_to_py(py, serde_json::to_value(&c.outcome)),
        }
    }

    fn __bool__(&self) -> bool {
        self.allowed()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut out = format!(
            "Decision(allowed={}, reason={}, status={}",
            if self.allowed() { "True" } else { "False" },
            py_repr(py, self.reason())?,
            self.status()
        );
        if let Some(m) = self.matched() {
            out.push_str(&format!(", matched={}", py_repr(py, m)?));
        }
        if let Some(n) = self.near_misses() {
            let items: PyResult<Vec<String>> = n.iter().map(|s| py_repr(py, s)).collect();
            out.push_str(&format!(", near_misses=[{}]", items?.join(", ")));
        }
        out.push(')');
        Ok(out)
    }
}

// ------------------------------------------------------------------ claims

/// The claims of a verified access token, typed: `iss`, `sub`, `aud`, `client_id`, `iat`,
/// `exp`, `nbf`, `jti`, `scope`, `org`, `ips`, `env`, plus `permissions` (the scope as a
/// list) and `extra` (any other claims). It is also a read-only mapping of the JSON form
/// (`claims["sub"]`, `dict(claims)`, `keys`/`values`/`items`/`get`; registered as a
/// `collections.abc.Mapping` by the package), with `to_dict()` and `to_json()`.
#[pyclass(frozen, eq, module = "credgate")]
#[derive(PartialEq)]
struct Claims {
    /// Shared with the verifier's cache: reading claims copies nothing.
    inner: Arc<token::Claims>,
}

#[pymethods]
impl Claims {
    #[getter]
    fn iss(&self) -> &str {
        &self.inner.iss
    }

    #[getter]
    fn sub(&self) -> &str {
        &self.inner.sub
    }

    /// A str, or a list of str when the token names several audiences.
    #[getter]
    fn aud<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.inner.aud {
            Audience::One(a) => Ok(PyString::new(py, a).into_any()),
            Audience::Many(all) => Ok(PyList::new(py, all)?.into_any()),
        }
    }

    #[getter]
    fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    #[getter]
    fn iat(&self) -> i64 {
        self.inner.iat
    }

    #[getter]
    fn exp(&self) -> i64 {
        self.inner.exp
    }

    #[getter]
    fn nbf(&self) -> Option<i64> {
        self.inner.nbf
    }

    #[getter]
    fn jti(&self) -> &str {
        &self.inner.jti
    }

    #[getter]
    fn scope(&self) -> &str {
        &self.inner.scope
    }

    /// The canonical permissions of `scope`, in order.
    #[getter]
    fn permissions(&self) -> Vec<String> {
        strings(self.inner.permissions().texts())
    }

    #[getter]
    fn org(&self) -> &str {
        &self.inner.org
    }

    #[getter]
    fn ips(&self) -> Vec<String> {
        self.inner.ips.clone()
    }

    #[getter]
    fn env(&self) -> &'static str {
        self.inner.env.as_str()
    }

    /// Claims other than credgate's, as given.
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &Value::Object(self.inner.extra.clone()))
    }

    /// The JSON form (as the façade's `verify_token` output `claims`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser_to_py(py, serde_json::to_value(&self.inner))
    }

    /// The pydantic schema of `Claims` (a claims object validates as itself and serializes
    /// as its JSON form), so FastAPI routes and pydantic models can hold claims. Built by
    /// `credgate._pydantic`, which imports pydantic only when pydantic asks.
    #[classmethod]
    fn __get_pydantic_core_schema__<'py>(
        cls: &Bound<'py, PyType>,
        source: &Bound<'py, PyAny>,
        handler: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        cls.py()
            .import("credgate._pydantic")?
            .getattr("claims_schema")?
            .call1((cls, source, handler))
    }

    /// How pydantic serializes claims where it infers the type (a FastAPI route returning
    /// `Any`, a field typed `Any`): as the JSON form. A `pydantic_core.SchemaSerializer`
    /// built by `credgate._pydantic` on first use.
    #[getter]
    fn __pydantic_serializer__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("credgate._pydantic")?
            .getattr("claims_serializer")?
            .call0()
    }

    /// The JSON text of the claims (the token's members, as `json.dumps(claims.to_dict())`
    /// would write them, without spaces).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!(
                "credgate could not convert a core value: {e}"
            ))
        })
    }

    /// The JSON form's member `name`; `KeyError` when there is none (as a dict answers).
    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let members = self.members();
        match lookup_key(name).and_then(|n| members.get(n.as_ref())) {
            Some(v) => to_py(py, v),
            None => Err(PyKeyError::new_err(name.clone().unbind())),
        }
    }

    fn __contains__(&self, name: &Bound<'_, PyAny>) -> bool {
        let members = self.members();
        lookup_key(name).is_some_and(|n| members.contains_key(n.as_ref()))
    }

    /// The number of members of the JSON form.
    fn __len__(&self) -> usize {
        self.members().len()
    }

    /// The member names of the JSON form (sorted).
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, self.members().keys())?
            .into_any()
            .try_iter()
            .map(Bound::into_any)
    }

    /// The member names, as a `collections.abc.KeysView` (as a dict's `keys()`).
    fn keys<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        mapping_view(slf, &KEYS_VIEW, "KeysView")
    }

    /// The member values, JSON-ready (`dict`, `list`, `str`, `int`, `float`, `bool`,
    /// `None`), as a `collections.abc.ValuesView`.
    fn values<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        mapping_view(slf, &VALUES_VIEW, "ValuesView")
    }

    /// The `(name, value)` pairs, as a `collections.abc.ItemsView`.
    fn items<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        mapping_view(slf, &ITEMS_VIEW, "ItemsView")
    }

    /// The member `name`, or `default` when there is none (as `dict.get`).
    #[pyo3(signature = (name, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let members = self.members();
        match lookup_key(name).and_then(|n| members.get(n.as_ref())) {
            Some(v) => to_py(py, v),
            None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Claims(client_id={}, org={}, env={}, scope={}, iat={}, exp={}, jti={})",
            py_repr(py, &self.inner.client_id)?,
            py_repr(py, &self.inner.org)?,
            py_repr(py, self.inner.env.as_str())?,
            py_repr(py, &self.inner.scope)?,
            self.inner.iat,
            self.inner.exp,
            py_repr(py, &self.inner.jti)?,
        ))
    }
}

static KEYS_VIEW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static VALUES_VIEW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static ITEMS_VIEW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A `collections.abc` view (`KeysView`, `ValuesView`, `ItemsView`) of a mapping.
fn mapping_view<'py>(
    mapping: &Bound<'py, Claims>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    package_attr(mapping.py(), cell, "collections.abc", name)?.call1((mapping,))
}

impl Claims {
    /// The members of the JSON form (as the façade's `verify_token` output `claims`).
    fn members(&self) -> Map<String, Value> {
        match serde_json::to_value(&self.inner) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

/// A lookup key for `in` and `[]`: a str that is Unicode text, or nothing (which is found
/// nowhere, as in a dict).
fn lookup_key<'a>(obj: &'a Bound<'_, PyAny>) -> Option<Cow<'a, str>> {
    obj.cast::<PyString>().ok().and_then(|s| s.to_cow().ok())
}

/// One entry of a permission list: a `credgate.Permission` by its canonical text, anything
/// else in its JSON form (text or dict; the core judges other values as it judges their JSON).
fn permission_value(item: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = item.py();
    let class = package_attr(py, &PERMISSION_CLASS, "credgate._api", "Permission")?;
    if item.is_instance(class)? {
        let text = item
            .getattr("text")
            .map_err(|e| while_reading(py, e, "a Permission"))?;
        return from_py(&text, 1);
    }
    from_py(item, 1)
}

// ------------------------------------------------------------------ permission sets

/// A permission list compiled once and evaluated many times (thread-safe). Entries are
/// canonical text, JSON dicts or `Permission` objects; order decides `matched`.
#[pyclass(frozen, module = "credgate")]
struct PermissionSet {
    inner: authorize::PermissionSet,
}

#[pymethods]
impl PermissionSet {
    #[new]
    fn new(py: Python<'_>, permissions: &Bound<'_, PyAny>) -> PyResult<Self> {
        let values = items(permissions, "the permissions")?
            .iter()
            .map(permission_value)
            .collect::<PyResult<Vec<Value>>>()?;
        authorize::PermissionSet::from_values(&values)
            .map(|inner| Self { inner })
            .map_err(|e| core_err(py, e))
    }

    /// The canonical texts, in order.
    #[getter]
    fn permissions(&self) -> Vec<String> {
        strings(self.inner.texts())
    }

    /// The texts joined by single spaces (a token's `scope`).
    #[getter]
    fn scope(&self) -> String {
        self.inner.scope_string()
    }

    /// Decides one request for a credential of organisation `org`.
    #[pyo3(signature = (request, org=None))]
    fn authorize(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        org: Option<Text>,
    ) -> PyResult<Decision> {
        let request = request_arg(request)?.map_err(|e| core_err(py, e))?;
        Ok(Decision {
            outcome: Outcome::Authorize(self.inner.authorize(&request, org.as_deref())),
        })
    }

    /// Decides many requests in one crossing (the GIL is released while deciding).
    #[pyo3(signature = (requests, org=None))]
    fn authorize_many<'py>(
        &self,
        py: Python<'py>,
        requests: &Bound<'py, PyAny>,
        org: Option<Text>,
    ) -> PyResult<Bound<'py, PyList>> {
        let items = items(requests, "the requests")?;
        let mut parsed: Vec<Cow<'_, request::Request>> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            parsed.push(request_arg(item)?.map_err(|e| {
                let mut batch = failure(e);
                batch.message = format!("requests[{index}]: {}", batch.message);
                batch.index = Some(index);
                to_py_err(py, &batch)
            })?);
        }
        let set = &self.inner;
        let org = org.as_deref();
        let decisions: Vec<authorize::Decision> =
            py.detach(|| parsed.iter().map(|r| set.authorize(r, org)).collect());
        let list = PyList::empty(py);
        for d in decisions {
            list.append(Bound::new(
                py,
                Decision {
                    outcome: Outcome::Authorize(d),
                },
            )?)?;
        }
        Ok(list)
    }

    fn __len__(&self) -> usize {
        self.inner.texts().len()
    }

    fn __contains__(&self, text: &Bound<'_, PyAny>) -> bool {
        lookup_key(text).is_some_and(|text| self.inner.texts().iter().any(|t| **t == *text))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let items: PyResult<Vec<String>> =
            self.inner.texts().iter().map(|s| py_repr(py, s)).collect();
        Ok(format!("PermissionSet([{}])", items?.join(", ")))
    }
}

// ------------------------------------------------------------------ keys and verification

/// A parsed JWKS (Ed25519 OKP keys with `kid`; other keys are skipped). Raises `JwksError`.
#[pyclass(frozen, module = "credgate")]
struct KeySet {
    inner: token::KeySet,
}

#[pymethods]
impl KeySet {
    #[new]
    fn new(py: Python<'_>, jwks: &Bound<'_, PyAny>) -> PyResult<Self> {
        jwks_value(jwks)?
            .map(|inner| Self { inner })
            .map_err(|e| core_err(py, e))
    }

    /// From a JWKS dict, or its JSON as `str` or `bytes`.
    #[staticmethod]
    fn from_jwks(py: Python<'_>, jwks: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::new(py, jwks)
    }

    /// The `kid`s of the usable keys.
    #[getter]
    fn kids(&self) -> Vec<String> {
        self.inner.kids().map(str::to_owned).collect()
    }

    /// The usable keys as a JWKS dict.
    fn to_jwks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser_to_py(py, serde_json::to_value(self.inner.to_jwks()))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, kid: &Bound<'_, PyAny>) -> bool {
        lookup_key(kid).is_some_and(|kid| self.inner.get(&kid).is_some())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let kids: PyResult<Vec<String>> = self.inner.kids().map(|k| py_repr(py, k)).collect();
        Ok(format!("KeySet(kids=[{}])", kids?.join(", ")))
    }
}

/// The prepared verifier behind `credgate.Verifier` (which supplies `now` when omitted).
///
/// It holds the core's [`token::Verifier`] behind a lock, because the core's verifier holds
/// a revocation list that `load_revocations` replaces (docs/LIFECYCLE.md): verification
/// takes the lock for reading with the GIL released, a load takes it for writing. The same
/// goes for the keys, which `set_keys` replaces (a remote key set refreshed, docs/REMOTE.md).
#[pyclass(frozen, module = "credgate._credgate")]
struct VerifierCore {
    inner: RwLock<token::Verifier>,
    keys: RwLock<Py<KeySet>>,
}

/// The verifier for reading. A lock is poisoned only by a panic while held, which the core
/// never does; the verifier inside is whole either way.
fn read(lock: &RwLock<token::Verifier>) -> RwLockReadGuard<'_, token::Verifier> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// A revocation list as the façade's `load_revocations` result (`epoch`, `issued_at`,
/// `entries`).
fn revocation_list_to_py<'py>(
    py: Python<'py>,
    list: &RevocationList,
) -> PyResult<Bound<'py, PyAny>> {
    let loaded = facade::LoadedRevocations {
        ok: true,
        epoch: list.epoch(),
        issued_at: list.issued_at(),
        entries: list.entries().to_vec(),
    };
    ser_to_py(py, serde_json::to_value(loaded))
}

#[pymethods]
impl VerifierCore {
    #[new]
    #[pyo3(signature = (
        keys, issuer, audience, leeway=Int(0), revoked_jtis=None, revocations=None,
        cache_entries=Int(CacheLimits::DEFAULT.max_entries),
        cache_bytes=Int(CacheLimits::DEFAULT.max_bytes),
    ))]
    #[expect(
        clippy::too_many_arguments,
        reason = "the keyword arguments of `Verifier`"
    )]
    fn new(
        keys: &Bound<'_, PyAny>,
        issuer: Text,
        audience: Text,
        leeway: Int<u64>,
        revoked_jtis: Option<&Bound<'_, PyAny>>,
        revocations: Option<Text>,
        cache_entries: Int<usize>,
        cache_bytes: Int<usize>,
    ) -> PyResult<Self> {
        let py = keys.py();
        let keys = keys.cast::<KeySet>().map_err(|_| {
            input_invalid(py, format!("expected a KeySet, not `{}`", type_name(keys)))
        })?;
        let revoked_jtis = match revoked_jtis {
            None => Vec::new(),
            Some(jtis) => items(jtis, "revoked_jtis")?
                .iter()
                .map(|jti| Ok(jti.extract::<Text>()?.to_owned()))
                .collect::<PyResult<Vec<String>>>()?,
        };
        let options = VerifyOptions {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            leeway: leeway.0,
            revoked_jtis,
            cache: CacheLimits {
                max_entries: cache_entries.0,
                max_bytes: cache_bytes.0,
            },
        };
        let mut verifier = token::Verifier::new(keys.get().inner.clone(), options);
        if let Some(text) = revocations {
            let list = py
                .detach(|| facade::revocation_list(&text, verifier.keys(), &issuer))
                .map_err(|e| core_err(py, e))?;
            verifier
                .load_revocations(list)
                .map_err(|e| core_err(py, e))?;
        }
        Ok(Self {
            inner: RwLock::new(verifier),
            keys: RwLock::new(keys.clone().unbind()),
        })
    }

    #[getter]
    fn keys(&self, py: Python<'_>) -> Py<KeySet> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone_ref(py)
    }

    /// Trusts `keys` from now on, in place of the keys held; the cache of verified tokens
    /// is emptied. GIL released while waiting for verifications in flight.
    fn set_keys(&self, py: Python<'_>, keys: &Bound<'_, KeySet>) {
        let set = keys.get().inner.clone();
        let lock = &self.inner;
        py.detach(|| {
            lock.write()
                .unwrap_or_else(PoisonError::into_inner)
                .set_keys(set);
        });
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys.clone().unbind();
    }

    #[getter]
    fn issuer(&self) -> String {
        read(&self.inner).options().issuer.clone()
    }

    #[getter]
    fn audience(&self) -> String {
        read(&self.inner).options().audience.clone()
    }

    #[getter]
    fn leeway(&self) -> u64 {
        read(&self.inner).options().leeway
    }

    /// The cache's limits: `(max_entries, max_bytes)`.
    #[getter]
    fn cache_limits(&self) -> (usize, usize) {
        let limits = read(&self.inner).cache_limits();
        (limits.max_entries, limits.max_bytes)
    }

    /// What the cache has done and holds: `hits`, `misses`, `evictions`, `entries`, `bytes`.
    fn cache_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stats = read(&self.inner).cache_stats();
        ser_to_py(py, serde_json::to_value(stats))
    }

    #[getter]
    fn revoked_jtis(&self) -> Vec<String> {
        read(&self.inner).options().revoked_jtis.clone()
    }

    /// The revocation list held (`epoch`, `issued_at`, `entries`), or `None`.
    #[getter]
    fn revocations<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let verifier = read(&self.inner);
        verifier
            .revocations()
            .map(|list| revocation_list_to_py(py, list))
            .transpose()
    }

    /// Verifies `text` (a signed revocation list) against this verifier's keys and issuer
    /// and holds it from now on; a lower epoch than the held list's is `revocations.stale`
    /// and the held list stays. Returns the list loaded. GIL released while verifying.
    fn load_revocations<'py>(&self, py: Python<'py>, text: Text) -> PyResult<Bound<'py, PyAny>> {
        let lock = &self.inner;
        let loaded = py.detach(|| {
            let list = {
                let verifier = read(lock);
                facade::revocation_list(&text, verifier.keys(), &verifier.options().issuer)?
            };
            let mut verifier = lock.write().unwrap_or_else(PoisonError::into_inner);
            verifier.load_revocations(list)?;
            Ok::<_, credgate_core::Error>(verifier.revocations().cloned())
        });
        match loaded {
            Ok(Some(list)) => revocation_list_to_py(py, &list),
            Ok(None) => Ok(py.None().into_bound(py)),
            Err(e) => Err(core_err(py, e)),
        }
    }

    /// The claims of `token` at `now`, or `TokenError`. GIL released.
    fn verify(&self, py: Python<'_>, token: Text, now: Int<i64>) -> PyResult<Claims> {
        let lock = &self.inner;
        let now = now.0;
        py.detach(|| read(lock).verify_shared(&token, now))
            .map(|inner| Claims { inner })
            .map_err(|e| core_err(py, e))
    }

    /// The edge path for `token` (SPEC §8). GIL released. An invalid request is the 400
    /// `request.invalid` answer, as from the façade's `check`.
    fn check(
        &self,
        py: Python<'_>,
        token: Text,
        now: Int<i64>,
        client_ip: Text,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<Decision> {
        self.decide(py, Bearer::Token(&token), now.0, &client_ip, request)
    }

    fn check_authorization(
        &self,
        py: Python<'_>,
        authorization: Option<Text>,
        now: Int<i64>,
        client_ip: Text,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<Decision> {
        let header = Bearer::Header(authorization.as_deref());
        self.decide(py, header, now.0, &client_ip, request)
    }
}

impl VerifierCore {
    /// The core's edge decision, with the GIL released while it is made.
    fn decide(
        &self,
        py: Python<'_>,
        bearer: Bearer<'_>,
        now: i64,
        client_ip: &str,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<Decision> {
        let request = request_arg(request)?;
        let request = request.as_ref().map(|r| &**r);
        let lock = &self.inner;
        let checked = py.detach(|| facade::checked(&read(lock), bearer, now, client_ip, request));
        Ok(Decision {
            outcome: Outcome::Check(Box::new(checked)),
        })
    }
}

// ------------------------------------------------------------------ the module

/// The native half of `credgate` (private: import `credgate`).
#[pymodule]
fn _credgate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("OPS", PyTuple::new(m.py(), facade::OPS.iter().copied())?)?;
    m.add("CODES", PyTuple::new(m.py(), codes::ALL.iter().copied())?)?;
    m.add("ENTROPY_BYTES", credential::ENTROPY_BYTES)?;
    m.add("SECRET_ENTROPY_BYTES", credential::SECRET_ENTROPY_BYTES)?;
    m.add("JTI_BYTES", token::JTI_BYTES)?;
    m.add("MAX_BODY_BYTES", oauth::MAX_BODY_BYTES)?;
    m.add_function(wrap_pyfunction!(call, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(dumps, m)?)?;
    m.add_class::<Request>()?;
    m.add_class::<Decision>()?;
    m.add_class::<Claims>()?;
    m.add_class::<PermissionSet>()?;
    m.add_class::<KeySet>()?;
    m.add_class::<VerifierCore>()?;
    m.add_class::<remote::RemoteKeySetState>()?;
    Ok(())
}
