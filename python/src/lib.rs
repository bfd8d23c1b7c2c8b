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
use std::fmt::Display;

use credgate_core::authorize::{self, Reason};
use credgate_core::check::{CheckOutcome, DecisionRecord};
use credgate_core::permission::PermissionError;
use credgate_core::request::{self, RequestError};
use credgate_core::token::{self, Audience, JwksError, TokenError, VerifyOptions};
use credgate_core::{codes, facade};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Deepest JSON nesting accepted from Python (deeper input is `input.invalid`, not a crash).
const MAX_DEPTH: usize = 64;

// ------------------------------------------------------------------ errors, in one place

/// A core error: a stable code and a message for a person.
trait CoreError: Display {
    fn code(&self) -> &'static str;
}

impl CoreError for TokenError {
    fn code(&self) -> &'static str {
        TokenError::code(self)
    }
}

impl CoreError for JwksError {
    fn code(&self) -> &'static str {
        JwksError::code(self)
    }
}

impl CoreError for RequestError {
    fn code(&self) -> &'static str {
        RequestError::code(self)
    }
}

impl CoreError for PermissionError {
    fn code(&self) -> &'static str {
        PermissionError::code(self)
    }
}

/// A permission at a position of a list, with the position in the message.
struct AtIndex(authorize::IndexedPermissionError);

impl Display for AtIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "permissions[{}]: {}", self.0.index, self.0.error)
    }
}

impl CoreError for AtIndex {
    fn code(&self) -> &'static str {
        self.0.error.code()
    }
}

/// Input that could not be converted to JSON (`input.invalid`).
struct InputInvalid(String);

impl Display for InputInvalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl CoreError for InputInvalid {
    fn code(&self) -> &'static str {
        "input.invalid"
    }
}

static ERROR_FOR_CODE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The exception for a core error, built by `credgate._errors.error_for_code(code, message)`.
fn to_py_err<E: CoreError>(py: Python<'_>, error: &E) -> PyErr {
    let factory = ERROR_FOR_CODE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("credgate._errors")?
            .getattr("error_for_code")?
            .unbind())
    });
    match factory.and_then(|f| f.bind(py).call1((error.code(), error.to_string()))) {
        Ok(exception) => PyErr::from_value(exception),
        Err(failure) => failure,
    }
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

/// A Python value (None, bool, int, float, str, list, tuple, dict with str keys) as JSON.
fn from_py(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    let py = obj.py();
    if depth > MAX_DEPTH {
        return Err(to_py_err(
            py,
            &InputInvalid(format!("nested deeper than {MAX_DEPTH} levels")),
        ));
    }
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
        return Err(to_py_err(
            py,
            &InputInvalid("an integer is out of range".to_owned()),
        ));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| to_py_err(py, &InputInvalid("a float is not finite".to_owned())));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| to_py_err(py, &InputInvalid("a dict key is not a str".to_owned())))?;
            map.insert(key.to_cow()?.into_owned(), from_py(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(from_py(&item?, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    Err(PyTypeError::new_err(format!(
        "cannot use a `{}` as JSON: give a dict, list, str, int, float, bool or None",
        obj.get_type().name()?
    )))
}

/// A JWKS given as a dict, a JSON `str` or JSON `bytes`.
fn jwks_value(obj: &Bound<'_, PyAny>) -> PyResult<Result<token::KeySet, JwksError>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(token::KeySet::from_json(&s.to_cow()?));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        let text = std::str::from_utf8(b.as_bytes()).map_err(|_| {
            to_py_err(
                obj.py(),
                &InputInvalid("the JWKS bytes are not UTF-8".to_owned()),
            )
        })?;
        return Ok(token::KeySet::from_json(text));
    }
    Ok(token::KeySet::from_value(&from_py(obj, 0)?))
}

// ------------------------------------------------------------------ the façade

/// Runs one core operation on a JSON input and returns the JSON output (never raises for a
/// failed operation: bad JSON or an unknown op come back as `{"ok": false, "error": ...}`).
/// The GIL is released while the core works.
#[pyfunction]
fn call(py: Python<'_>, op: PyBackedStr, input: PyBackedStr) -> String {
    py.detach(|| facade::call_json(&op, &input))
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
        r#type: &str,
        action: &str,
        vault: Option<&str>,
        key: Option<&str>,
        org: Option<&str>,
    ) -> PyResult<Self> {
        request::Request::new(r#type, action, vault, key, org)
            .map(|inner| Self { inner })
            .map_err(|e| to_py_err(py, &e))
    }

    /// From the JSON form `{"type", "action", "vault"?, "key"?, "org"?}`; other members are
    /// an error, so a misspelt field is never ignored.
    #[staticmethod]
    fn from_dict(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        request::Request::from_value(&from_py(value, 0)?)
            .map(|inner| Self { inner })
            .map_err(|e| to_py_err(py, &e))
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

/// A request argument: a `Request` (borrowed, no copy) or a dict in the JSON form.
fn request_arg<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, request::Request>> {
    if let Ok(r) = obj.cast::<Request>() {
        return Ok(Cow::Borrowed(&r.get().inner));
    }
    if obj.is_instance_of::<PyDict>() {
        return request::Request::from_value(&from_py(obj, 0)?)
            .map(Cow::Owned)
            .map_err(|e| to_py_err(obj.py(), &e));
    }
    Err(PyTypeError::new_err(format!(
        "a request must be a credgate.Request or a dict, not `{}`",
        obj.get_type().name()?
    )))
}

// ------------------------------------------------------------------ decisions

enum Outcome {
    Authorize(authorize::Decision),
    Check(Box<CheckOutcome>, Box<DecisionRecord>),
}

/// A decision: `allowed`, `reason` (a SPEC §8 code), the HTTP `status`, `matched` on allow,
/// `near_misses` on a permission deny; from `check`, also the `claims` of a verified token,
/// the `www_authenticate` challenge of a refusal and the `audit` record. Truthy when allowed.
#[pyclass(frozen, module = "credgate")]
struct Decision {
    outcome: Outcome,
}

impl Decision {
    fn reason_value(&self) -> Reason {
        match &self.outcome {
            Outcome::Authorize(d) => d.reason,
            Outcome::Check(c, _) => c.reason,
        }
    }
}

#[pymethods]
impl Decision {
    #[getter]
    fn allowed(&self) -> bool {
        match &self.outcome {
            Outcome::Authorize(d) => d.allowed,
            Outcome::Check(c, _) => c.allowed,
        }
    }

    #[getter]
    fn reason(&self) -> &'static str {
        self.reason_value().code()
    }

    /// 200 allow, 400 invalid request, 401 token failure, 403 IP, org or permission deny.
    #[getter]
    fn status(&self) -> u16 {
        match &self.outcome {
            Outcome::Authorize(d) => d.reason.status(),
            Outcome::Check(c, _) => c.status,
        }
    }

    #[getter]
    fn matched(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Authorize(d) => d.matched.as_deref(),
            Outcome::Check(c, _) => c.matched.as_deref(),
        }
    }

    #[getter]
    fn near_misses(&self) -> Option<Vec<String>> {
        match &self.outcome {
            Outcome::Authorize(d) => texts(d.near_misses.as_deref()),
            Outcome::Check(c, _) => texts(c.near_misses.as_deref()),
        }
    }

    /// A person-readable explanation (from `check`; `None` for `authorize`).
    #[getter]
    fn message(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Authorize(_) => None,
            Outcome::Check(c, _) => Some(&c.message),
        }
    }

    /// The `WWW-Authenticate` value to send with a 401/403 (from `check`).
    #[getter]
    fn www_authenticate(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Authorize(_) => None,
            Outcome::Check(c, _) => c.www_authenticate.as_deref(),
        }
    }

    /// The verified token's claims (from `check`, when the token verified).
    #[getter]
    fn claims(&self) -> Option<Claims> {
        match &self.outcome {
            Outcome::Authorize(_) => None,
            Outcome::Check(c, _) => c.claims.clone().map(|inner| Claims { inner }),
        }
    }

    /// The decision record for an audit log (from `check`): time, client_id, org, jti,
    /// request, client_ip, allowed, status, reason, matched.
    #[getter]
    fn audit<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.outcome {
            Outcome::Authorize(_) => Ok(None),
            Outcome::Check(_, record) => Ok(Some(ser_to_py(py, serde_json::to_value(record))?)),
        }
    }

    /// The JSON form (as the façade's `authorize`/`check` output).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.outcome {
            Outcome::Authorize(d) => ser_to_py(py, serde_json::to_value(d)),
            Outcome::Check(c, _) => ser_to_py(py, serde_json::to_value(c)),
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
/// list) and `extra` (any other claims). `claims["name"]` reads the JSON form.
#[pyclass(frozen, eq, module = "credgate")]
#[derive(PartialEq)]
struct Claims {
    inner: token::Claims,
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

    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let value = serde_json::to_value(&self.inner).unwrap_or(Value::Null);
        match value.get(name) {
            Some(v) => to_py(py, v),
            None => Err(pyo3::exceptions::PyKeyError::new_err(name.to_owned())),
        }
    }

    fn __contains__(&self, name: &str) -> bool {
        serde_json::to_value(&self.inner)
            .ok()
            .is_some_and(|v| v.get(name).is_some())
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
        let mut values = Vec::new();
        for item in permissions.try_iter()? {
            let item = item?;
            values.push(if item.is_instance_of::<PyDict>() {
                from_py(&item, 0)?
            } else {
                // str, or an object whose str() is the canonical text (credgate.Permission).
                Value::String(item.str()?.to_cow()?.into_owned())
            });
        }
        authorize::PermissionSet::from_values(&values)
            .map(|inner| Self { inner })
            .map_err(|e| to_py_err(py, &AtIndex(e)))
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
    fn authorize(&self, request: &Bound<'_, PyAny>, org: Option<&str>) -> PyResult<Decision> {
        let request = request_arg(request)?;
        Ok(Decision {
            outcome: Outcome::Authorize(self.inner.authorize(&request, org)),
        })
    }

    /// Decides many requests in one crossing (the GIL is released while deciding).
    #[pyo3(signature = (requests, org=None))]
    fn authorize_many<'py>(
        &self,
        py: Python<'py>,
        requests: &Bound<'py, PyAny>,
        org: Option<&str>,
    ) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<Bound<'py, PyAny>> = requests.try_iter()?.collect::<PyResult<_>>()?;
        let parsed: Vec<Cow<'_, request::Request>> =
            items.iter().map(request_arg).collect::<PyResult<_>>()?;
        let set = &self.inner;
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

    fn __contains__(&self, text: &str) -> bool {
        self.inner.texts().iter().any(|t| **t == *text)
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
            .map_err(|e| to_py_err(py, &e))
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
        to_py(py, &self.inner.to_jwks())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, kid: &str) -> bool {
        self.inner.get(kid).is_some()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let kids: PyResult<Vec<String>> = self.inner.kids().map(|k| py_repr(py, k)).collect();
        Ok(format!("KeySet(kids=[{}])", kids?.join(", ")))
    }
}

/// The prepared verifier behind `credgate.Verifier` (which supplies `now` when omitted).
#[pyclass(frozen, module = "credgate._credgate")]
struct VerifierCore {
    inner: token::Verifier,
    keys: Py<KeySet>,
}

#[pymethods]
impl VerifierCore {
    #[new]
    #[pyo3(signature = (keys, issuer, audience, leeway=0, revoked_jtis=Vec::new()))]
    fn new(
        keys: Bound<'_, KeySet>,
        issuer: String,
        audience: String,
        leeway: u64,
        revoked_jtis: Vec<String>,
    ) -> Self {
        let options = VerifyOptions {
            issuer,
            audience,
            leeway,
            revoked_jtis,
        };
        Self {
            inner: token::Verifier::new(keys.get().inner.clone(), options),
            keys: keys.unbind(),
        }
    }

    #[getter]
    fn keys(&self, py: Python<'_>) -> Py<KeySet> {
        self.keys.clone_ref(py)
    }

    #[getter]
    fn issuer(&self) -> &str {
        &self.inner.options().issuer
    }

    #[getter]
    fn audience(&self) -> &str {
        &self.inner.options().audience
    }

    #[getter]
    fn leeway(&self) -> u64 {
        self.inner.options().leeway
    }

    #[getter]
    fn revoked_jtis(&self) -> Vec<String> {
        self.inner.options().revoked_jtis.clone()
    }

    /// The claims of `token` at `now`, or `TokenError`. GIL released.
    fn verify(&self, py: Python<'_>, token: PyBackedStr, now: i64) -> PyResult<Claims> {
        let verifier = &self.inner;
        py.detach(|| verifier.verify(&token, now))
            .map(|inner| Claims { inner })
            .map_err(|e| to_py_err(py, &e))
    }

    /// The edge path for `token` (SPEC §8). GIL released.
    fn check(
        &self,
        py: Python<'_>,
        token: PyBackedStr,
        now: i64,
        client_ip: PyBackedStr,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<Decision> {
        let request = request_arg(request)?;
        let verifier = &self.inner;
        let request = &*request;
        let (outcome, record) = py.detach(|| {
            let outcome = verifier.check(&token, now, &client_ip, request);
            let record = outcome.record(request, &client_ip, now);
            (outcome, record)
        });
        Ok(Decision {
            outcome: Outcome::Check(Box::new(outcome), Box::new(record)),
        })
    }

    /// Like `check`, reading the token from an `Authorization` header value (`None` = no
    /// header): a missing or malformed header is a refusal, not an exception. GIL released.
    fn check_authorization(
        &self,
        py: Python<'_>,
        authorization: Option<PyBackedStr>,
        now: i64,
        client_ip: PyBackedStr,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<Decision> {
        let request = request_arg(request)?;
        let verifier = &self.inner;
        let request = &*request;
        let (outcome, record) = py.detach(|| {
            let outcome =
                verifier.check_authorization(authorization.as_deref(), now, &client_ip, request);
            let record = outcome.record(request, &client_ip, now);
            (outcome, record)
        });
        Ok(Decision {
            outcome: Outcome::Check(Box::new(outcome), Box::new(record)),
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
    m.add_function(wrap_pyfunction!(call, m)?)?;
    m.add_class::<Request>()?;
    m.add_class::<Decision>()?;
    m.add_class::<Claims>()?;
    m.add_class::<PermissionSet>()?;
    m.add_class::<KeySet>()?;
    m.add_class::<VerifierCore>()?;
    Ok(())
}
