//! JS values in and out, as JSON text.
//!
//! **In.** A JS input becomes JSON text with `JSON.stringify` (an import with `catch`: a getter
//! that throws, a revoked `Proxy` or a cycle is an `Err` here, never a JS exception unwinding
//! through the module's frames — that would skip the epilogues that restore wasm-bindgen's
//! shadow-stack pointer, leaking stack on every such call until the module traps). The text is
//! read by the core's strict parser ([`parse_strict`]: duplicate members and nesting deeper than
//! 128 levels are `input.invalid`, the same limit as every host). A replacer keeps what
//! `JSON.stringify` alone would lose or blur:
//! - a non-finite number (`NaN`, `±Infinity`) is `input.invalid`, never a silent `null`;
//! - a `BigInt` in the 64-bit range is its exact integer (a number within 2^53, else a marked
//!   string turned back into the integer after parsing);
//! - a `Map` is read as an object of its entries; any other iterable that is not an array (a
//!   `Set`, a typed array, `Headers`) is `input.invalid`.
//!
//! `undefined` members vanish (= absent), `undefined`, a function or a symbol as the whole input
//! is `null`, and a `Date` is its ISO text (its `toJSON`), as `JSON.stringify` has them.
//!
//! **Out.** A JSON value is built as a plain JS value member by member; an integer beyond
//! `Number.MAX_SAFE_INTEGER` is an exact `BigInt`, every other number a JS number.

use std::cell::Cell;

use credgate_core::json::{parse_strict, MAX_DEPTH};
use serde_json::{Number, Value};
use wasm_bindgen::prelude::*;

use crate::{invalid_input, CallResult};

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number holds exactly, with its successor.
const MAX_SAFE: u64 = (1 << 53) - 1;

/// Marks a `BigInt` beyond [`MAX_SAFE`] in the JSON text (a Unicode noncharacter, then the
/// decimal digits); turned back into the integer after parsing.
const BIGINT_MARK: char = '\u{FDD0}';

/// Inputs whose JSON text is longer than this get their heap reserved in one piece first.
const RESERVE_FROM: usize = 1 << 20;

/// The heap a call needs for a large input, estimated from its JSON text: per byte of text
/// (a `serde_json::Value` tree and the core's typed copy of it: a list of permission texts
/// measured 4.2 bytes per byte), plus per object (a `Map` node, measured ~310 bytes for a
/// JSON-form permission). Reserved in one piece, a little above those figures.
const RESERVE_PER_BYTE: usize = 9;
const RESERVE_PER_BYTE_DIVISOR: usize = 2;
const RESERVE_PER_OBJECT: usize = 350;

#[cfg(feature = "full")]
/// The heap a call that reads its typed input straight from JSON text needs, per byte of
/// text (the parsed permissions and their canonical texts; the text itself is already held).
const TEXT_RESERVE_PER_BYTE: usize = 3;

#[wasm_bindgen]
extern "C" {
    /// `Array.isArray`, which throws for a revoked `Proxy`: hence `catch`.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// `object[name] = value` on an object this module just created (plain, no setters of its
    /// own): the fast way to fill an output, as serde-wasm-bindgen did.
    #[wasm_bindgen(extends = js_sys::Object)]
    type Output;
    #[wasm_bindgen(method, indexing_setter)]
    fn set(this: &Output, name: &str, value: &JsValue);
}

/// What the replacer saw during one `JSON.stringify`.
#[derive(Clone, Copy, Default)]
struct Seen {
    /// `BigInt`s written as marked strings.
    bigints: usize,
    /// Why the replacer refused a value (the error it threw).
    refused: Option<&'static str>,
}

thread_local! {
    static SEEN: Cell<Seen> = const { Cell::new(Seen { bigints: 0, refused: None }) };
    /// The replacer, created once and kept for the life of the module.
    static REPLACER: JsValue =
        Closure::<dyn Fn(JsValue, JsValue) -> Result<JsValue, JsValue>>::new(replace).into_js_value();
}

/// Called by `JSON.stringify` for every value, after `toJSON`. Returns normally (an `Err` is
/// thrown by wasm-bindgen's JS glue after this frame has returned, never through it).
fn replace(_key: JsValue, value: JsValue) -> Result<JsValue, JsValue> {
    if let Some(number) = value.as_f64() {
        if number.is_finite() {
            return Ok(value);
        }
        return Err(refuse("a number that is not finite (NaN or Infinity)"));
    }
    if value.is_bigint() {
        return bigint(value);
    }
    if value.is_object() && !is_array(&value)? {
        if value.is_instance_of::<js_sys::Map>() {
            return js_sys::Object::from_entries(&value).map(JsValue::from);
        }
        if js_sys::Reflect::has(&value, &js_sys::Symbol::iterator())? {
            return Err(refuse(
                "an iterable that is not an array or a Map (a Set, a typed array, Headers): \
                 give an array or a plain object",
            ));
        }
    }
    Ok(value)
}

/// A `BigInt` as its exact integer: a number within 2^53, else a marked string.
fn bigint(value: JsValue) -> Result<JsValue, JsValue> {
    let text = match i64::try_from(value) {
        Ok(n) if n.unsigned_abs() <= MAX_SAFE => return Ok(JsValue::from_f64(n as f64)),
        Ok(n) => n.to_string(),
        Err(value) => match u64::try_from(value) {
            Ok(n) => n.to_string(),
            Err(_) => return Err(refuse("a BigInt outside the 64-bit integer range")),
        },
    };
    SEEN.with(|seen| {
        let mut now = seen.get();
        now.bigints += 1;
        seen.set(now);
    });
    Ok(JsValue::from_str(&format!("{BIGINT_MARK}{text}")))
}

/// Records why a value is refused and returns the error the replacer throws.
fn refuse(why: &'static str) -> JsValue {
    SEEN.with(|seen| {
        let mut now = seen.get();
        now.refused = Some(why);
        seen.set(now);
    });
    js_sys::Error::new(why).into()
}

/// A JS value as JSON: `input.invalid` for anything that is not JSON data (see the module
/// documentation), that throws while it is read, or that is nested deeper than the core's limit.
pub fn from_js(value: &JsValue) -> CallResult<Value> {
    match json_from_js(value)? {
        Json::Text(text) => parse(text, 0),
        Json::Value(value) => Ok(value),
    }
}

/// A JS value in its JSON form, as [`json_from_js`] gives it.
pub enum Json {
    /// Exact JSON text, not yet read: the core reads it (strictly) into what it needs.
    Text(String),
    /// A value already read (no JSON text, or text with `BigInt`s restored after parsing).
    Value(Value),
}

/// A JS value as exact JSON text when it has one, else as a value (read like [`from_js`]).
/// The text lets the core read a large input (a list of a million permissions) straight
/// into its typed form, with no JSON value tree in between.
pub fn json_from_js(value: &JsValue) -> CallResult<Json> {
    // Plain `JSON.stringify` first: no call back into the module per value. Its text is exact
    // unless it holds a `null` (maybe a NaN or an Infinity) or a `{}` (maybe a Map or a Set),
    // or it failed (maybe on a BigInt): then the replacer decides.
    match js_sys::JSON::stringify(value) {
        Ok(text) => match text.as_string() {
            Some(text) if !text.contains("null") && !text.contains("{}") => Ok(Json::Text(text)),
            Some(_) => from_js_replaced(value),
            // `undefined`, a function or a symbol: no JSON text.
            None => Ok(Json::Value(Value::Null)),
        },
        Err(_) => from_js_replaced(value),
    }
}

/// [`json_from_js`] with the replacer on every value.
fn from_js_replaced(value: &JsValue) -> CallResult<Json> {
    // A getter may call back into the module: keep the outer call's record.
    let outer = SEEN.with(|seen| seen.replace(Seen::default()));
    let text = REPLACER.with(|replacer| js_sys::JSON::stringify_with_replacer(value, replacer));
    let seen = SEEN.with(|seen| seen.replace(outer));
    match text {
        Ok(text) => match text.as_string() {
            Some(text) if seen.bigints == 0 => Ok(Json::Text(text)),
            Some(text) => parse(text, seen.bigints).map(Json::Value),
            None => Ok(Json::Value(Value::Null)),
        },
        Err(thrown) => Err(match seen.refused {
            Some(why) => invalid_input(why),
            None => invalid_input(format_args!(
                "reading the value threw {}",
                describe(&thrown)
            )),
        }),
    }
}

/// JSON text from [`json_from_js`], read strictly.
pub fn parse_text(text: String) -> CallResult<Value> {
    parse(text, 0)
}

/// JSON text from `JSON.stringify`, read strictly, with `bigints` marked `BigInt`s restored.
fn parse(text: String, bigints: usize) -> CallResult<Value> {
    if text.len() > RESERVE_FROM {
        let objects = text.bytes().filter(|&b| b == b'{').count();
        reserve(
            (text.len() / RESERVE_PER_BYTE_DIVISOR)
                .saturating_mul(RESERVE_PER_BYTE)
                .saturating_add(objects.saturating_mul(RESERVE_PER_OBJECT)),
        );
    }
    let mut value = parse_strict(text.as_bytes()).map_err(invalid_input)?;
    drop(text);
    if bigints > 0 {
        restore_bigints(&mut value, bigints)?;
    }
    Ok(value)
}

#[cfg(feature = "full")]
/// Before the core reads large JSON text into its typed form (no value tree): reserves the
/// heap that form needs, estimated from the text (see [`reserve`]).
pub fn reserve_for_text(text: &str) {
    if text.len() > RESERVE_FROM {
        reserve(text.len().saturating_mul(TEXT_RESERVE_PER_BYTE));
    }
}

/// A thrown JS value in a message: its `name` and `message` when it has them (read with
/// `Reflect.get`, which cannot unwind this module either).
fn describe(thrown: &JsValue) -> String {
    let member = |name: &str| {
        js_sys::Reflect::get(thrown, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    };
    match (member("name"), member("message"), thrown.as_string()) {
        (Some(name), Some(message), _) => format!("{name}: {message}"),
        (_, Some(message), _) | (_, _, Some(message)) => message,
        _ => "an exception".to_owned(),
    }
}

/// Grows the module's heap once, by `bytes`, ahead of a large parse, and leaves it free for
/// the allocator. Without it the allocator grows WebAssembly memory 64 KiB at a time, once per
/// allocation that does not fit, and V8 answers many such grows with a full garbage collection
/// of the JS heap — which holds the large input: time quadratic in the input's size (1M
/// permissions: 7–14 s). Memory that is already free and large enough is reused, not grown.
fn reserve(bytes: usize) {
    let mut block: Vec<u8> = Vec::new();
    if block.try_reserve_exact(bytes).is_ok() {
        // Keeps the allocation from being optimised away.
        std::hint::black_box(block.as_mut_ptr());
    }
}

/// Turns the marked strings back into the `BigInt`s they stand for; exactly `expected` of them.
fn restore_bigints(value: &mut Value, expected: usize) -> CallResult<()> {
    let mut found = 0usize;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(text) => {
                if let Some(digits) = text.strip_prefix(BIGINT_MARK) {
                    let number = digits
                        .parse::<i64>()
                        .map(Number::from)
                        .or_else(|_| digits.parse::<u64>().map(Number::from));
                    if let Ok(number) = number {
                        *value = Value::Number(number);
                        found += 1;
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => stack.extend(map.values_mut()),
            _ => {}
        }
    }
    if found == expected {
        Ok(())
    } else {
        Err(invalid_input(
            "a string that starts with U+FDD0 next to a BigInt: the two cannot be told apart",
        ))
    }
}

/// A JSON value as a plain JS value, built member by member: numbers, except integers beyond
/// `Number.MAX_SAFE_INTEGER`, which are exact `BigInt`s. (No JSON text on the way out: that would
/// round those integers, and it would add serde_json's writer and float formatting to the module.)
pub fn to_js(value: &Value) -> CallResult {
    build(value, 0)
}

/// A list of texts as a JS array of strings.
pub fn strings_to_js<'a>(texts: impl IntoIterator<Item = &'a str>) -> JsValue {
    let array = js_sys::Array::new();
    for text in texts {
        array.push(&JsValue::from_str(text));
    }
    array.into()
}

/// The deepest output built: the core's outputs nest a few levels around values it parsed with
/// [`MAX_DEPTH`].
const OUTPUT_DEPTH: usize = 2 * MAX_DEPTH;

fn build(value: &Value, depth: usize) -> CallResult {
    if depth > OUTPUT_DEPTH {
        return Err(invalid_input("a value nested too deeply for JS"));
    }
    let no_js_form = |_| invalid_input("a value has no JS form");
    Ok(match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) if u > MAX_SAFE => JsValue::from(u),
            (_, Some(i)) if i.unsigned_abs() > MAX_SAFE => JsValue::from(i),
            _ => JsValue::from_f64(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => {
            let array = js_sys::Array::new();
            for item in items {
                array.push(&build(item, depth + 1)?);
            }
            array.into()
        }
        Value::Object(map) => {
            let object = js_sys::Object::new();
            for (name, item) in map {
                let item = build(item, depth + 1)?;
                if name == "__proto__" {
                    // An own member, as JSON.parse makes it (assignment would set the prototype).
                    let descriptor = js_sys::Object::new();
                    for flag in ["writable", "enumerable", "configurable"] {
                        js_sys::Reflect::set(&descriptor, &JsValue::from_str(flag), &JsValue::TRUE)
                            .map_err(no_js_form)?;
                    }
                    js_sys::Reflect::set(&descriptor, &JsValue::from_str("value"), &item)
                        .map_err(no_js_form)?;
                    js_sys::Reflect::define_property(
                        &object,
                        &JsValue::from_str(name),
                        &descriptor,
                    )
                    .map_err(no_js_form)?;
                } else {
                    object.unchecked_ref::<Output>().set(name, &item);
                }
            }
            object.into()
        }
    })
}
