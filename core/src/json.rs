//! Strict JSON for security-relevant input: duplicate member names are an error at every
//! depth (RFC 7515 §5.2 lets us reject them, and ignoring one would let two parsers read
//! two different tokens), and nesting is bounded, so no input can exhaust the stack.
//!
//! [`ValueSeed`] builds a [`Value`] from any serde input under those rules; hosts use it to
//! convert their own values (JS objects, for instance) the same way the core reads text.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The deepest nesting accepted (SPEC §9): a value with 128 nested arrays or objects is read,
/// one with 129 is `input.invalid`, whether it comes as text or as a host value. serde_json's
/// own recursion limit (which would stop text at 127) is off: [`ValueSeed`] counts instead,
/// before it recurses, so no input can exhaust the stack.
pub const MAX_DEPTH: usize = 128;

/// Whether a value built elsewhere (by a Rust caller) is nested at most [`MAX_DEPTH`]
/// levels, judged without recursion, so the façade holds every entry point to one limit.
pub fn within_depth(value: &Value) -> bool {
    let mut pending: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth >= MAX_DEPTH {
            return false;
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    true
}

/// Drops a value of any depth without recursion (serde_json's own drop recurses, and a value
/// too deep to accept must not overflow the stack on its way out either).
pub fn drop_flat(value: Value) {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => pending.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// A text deserializer whose nesting [`ValueSeed`] bounds.
fn text_deserializer(bytes: &[u8]) -> serde_json::Deserializer<serde_json::de::SliceRead<'_>> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    deserializer.disable_recursion_limit();
    deserializer
}

/// Parses JSON text, rejecting duplicate member names anywhere.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let mut deserializer = text_deserializer(bytes);
    let value = ValueSeed::default().deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Checks that `bytes` is one JSON value under [`parse_strict`]'s rules (no duplicate member
/// names at any depth, at most [`MAX_DEPTH`] levels, nothing after it) and builds nothing:
/// only the names of the objects being read are held. Text that passes can then be read into
/// typed values directly ([`from_text_checked`]), with no JSON value tree in between.
pub fn check_strict(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut deserializer = text_deserializer(bytes);
    let mut names = Vec::new();
    StrictCheck {
        depth: 0,
        names: &mut names,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()
}

/// Reads a typed value from text that [`check_strict`] accepted (so its nesting is bounded and
/// serde_json's own recursion limit, which would stop at 127 levels, can stay off).
pub fn from_text_checked<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, serde_json::Error> {
    let mut deserializer = text_deserializer(bytes);
    let value = T::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Objects with more members than this are checked for duplicates with a hash set.
const LINEAR_NAMES: usize = 32;

/// The strictness check of [`check_strict`]: the depth, and the member names of the objects
/// being read, one segment per open object on a stack shared by every level.
struct StrictCheck<'a, 'de> {
    depth: usize,
    names: &'a mut Vec<std::borrow::Cow<'de, str>>,
}

impl<'de> StrictCheck<'_, 'de> {
    fn deeper<E: de::Error>(&self) -> Result<usize, E> {
        ValueSeed { depth: self.depth }
            .deeper()
            .map(|seed| seed.depth)
    }
}

impl<'de> DeserializeSeed<'de> for StrictCheck<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictCheck<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        ValueSeed::default().visit_f64(v).map(drop)
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.deeper()?;
        while seq
            .next_element_seed(StrictCheck {
                depth,
                names: &mut *self.names,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
        let depth = self.deeper()?;
        let start = self.names.len();
        let mut many: Option<std::collections::HashSet<std::borrow::Cow<'de, str>>> = None;
        while let Some(name) = access.next_key_seed(NameSeed)? {
            let seen = match &mut many {
                Some(set) => !set.insert(name.clone()),
                None => self
                    .names
                    .get(start..)
                    .is_some_and(|own| own.contains(&name)),
            };
            if seen {
                return Err(de::Error::custom(format_args!("duplicate member `{name}`")));
            }
            if many.is_none() {
                self.names.push(name);
                if self.names.len() - start > LINEAR_NAMES {
                    many = Some(self.names.drain(start..).collect());
                }
            }
            access.next_value_seed(StrictCheck {
                depth,
                names: &mut *self.names,
            })?;
        }
        self.names.truncate(start);
        Ok(())
    }
}

/// Parses a JSON object, rejecting duplicate member names anywhere; `None` otherwise.
pub fn parse_object_strict(bytes: &[u8]) -> Option<Map<String, Value>> {
    match parse_strict(bytes) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A JSON object read with [`parse_object_picking`]: the members named in the caller's list,
/// by position, and every other member.
#[derive(Debug)]
pub struct PickedObject<const N: usize> {
    /// `known[i]` is the value of the member named `names[i]`, when present (`null` included).
    pub known: [Option<Value>; N],
    /// The members not in the list.
    pub rest: Map<String, Value>,
}

/// Parses a JSON object like [`parse_object_strict`] (duplicate names anywhere, deep nesting
/// and trailing data are errors: `None`) and picks out the members named in `names`. The hot
/// path of token verification: the known claims need no map, and names are not copied unless
/// kept in `rest`.
pub fn parse_object_picking<const N: usize>(
    bytes: &[u8],
    names: &[&str; N],
) -> Option<PickedObject<N>> {
    let mut known = std::array::from_fn(|_| None);
    let rest = pick_members(bytes, names, &mut known)?;
    Some(PickedObject { known, rest })
}

/// [`parse_object_picking`] without the array size, so the code exists once.
fn pick_members(
    bytes: &[u8],
    names: &[&str],
    known: &mut [Option<Value>],
) -> Option<Map<String, Value>> {
    let mut deserializer = text_deserializer(bytes);
    let visitor = PickingVisitor { names, known };
    let rest = de::Deserializer::deserialize_map(&mut deserializer, visitor).ok()?;
    deserializer.end().ok()?;
    Some(rest)
}

struct PickingVisitor<'a> {
    names: &'a [&'a str],
    known: &'a mut [Option<Value>],
}

impl<'de> Visitor<'de> for PickingVisitor<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let inner = ValueSeed::default().deeper()?;
        let mut rest = Map::new();
        while let Some(name) = access.next_key_seed(NameSeed)? {
            let duplicate = || de::Error::custom(format_args!("duplicate member `{name}`"));
            let slot = self
                .names
                .iter()
                .position(|known| *known == name)
                .and_then(|index| self.known.get_mut(index));
            match slot {
                Some(Some(_)) => return Err(duplicate()),
                Some(slot) => *slot = Some(access.next_value_seed(inner)?),
                None => match rest.entry(name.as_ref()) {
                    serde_json::map::Entry::Occupied(_) => return Err(duplicate()),
                    serde_json::map::Entry::Vacant(entry) => {
                        entry.insert(access.next_value_seed(inner)?);
                    }
                },
            }
        }
        Ok(rest)
    }
}

/// A member name, borrowed from the input when it has no escapes.
struct NameSeed;

impl<'de> DeserializeSeed<'de> for NameSeed {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NameSeed {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.to_owned().into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
}

/// Builds a JSON [`Value`] from any serde input: duplicate member names and nesting deeper
/// than [`MAX_DEPTH`] (which is also how a cyclic host value ends) are errors; non-finite
/// numbers are errors; a missing value (`None`, `undefined`) is `null`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ValueSeed {
    depth: usize,
}

impl ValueSeed {
    fn deeper<E: de::Error>(self) -> Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(format_args!(
                "the value is nested deeper than {MAX_DEPTH} levels (or refers to itself)"
            )));
        }
        Ok(Self {
            depth: self.depth + 1,
        })
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut map = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            match map.entry(name) {
                serde_json::map::Entry::Occupied(entry) => {
                    let name = entry.key();
                    return Err(de::Error::custom(format_args!("duplicate member `{name}`")));
                }
                serde_json::map::Entry::Vacant(entry) => {
                    entry.insert(access.next_value_seed(inner)?);
                }
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicates_at_any_depth() {
        assert!(parse_strict(br#"{"a":1,"a":1}"#).is_err());
        assert!(parse_strict(br#"{"a":{"b":1,"b":2}}"#).is_err());
        assert!(parse_strict(br#"[{"b":1,"b":2}]"#).is_err());
        assert!(parse_strict(br#"{"a":1,"b":{"a":2}}"#).is_ok());
    }

    #[test]
    fn picking_reads_like_the_strict_parser() {
        const NAMES: [&str; 2] = ["a", "b"];
        let picked = parse_object_picking(br#"{"b":null,"c":[1,{"d":2}],"a\u0062":3}"#, &NAMES)
            .unwrap_or_else(|| unreachable!("a valid object"));
        assert_eq!(picked.known, [None, Some(Value::Null)]);
        assert_eq!(picked.rest.len(), 2);
        assert_eq!(picked.rest.get("ab"), Some(&Value::from(3)));
        for bad in [
            r#"{"a":1,"a":2}"#,
            r#"{"c":1,"c":2}"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"{"c":{"d":1,"d":2}}"#,
            r#"{"a":1} x"#,
            r#"[1]"#,
            r#""a""#,
        ] {
            assert!(
                parse_object_picking(bad.as_bytes(), &NAMES).is_none(),
                "{bad}"
            );
        }
        let deep = format!(r#"{{"a":{}}}"#, "[".repeat(200));
        assert!(parse_object_picking(deep.as_bytes(), &NAMES).is_none());
        let nested =
            |levels: usize| format!(r#"{{"c":{}{}}}"#, "[".repeat(levels), "]".repeat(levels));
        // The same depth limit as `parse_strict`.
        for levels in [MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1] {
            let text = nested(levels);
            assert_eq!(
                parse_object_picking(text.as_bytes(), &NAMES).is_some(),
                parse_object_strict(text.as_bytes()).is_some(),
                "{levels}"
            );
        }
    }

    #[test]
    fn rejects_trailing_data_and_deep_nesting() {
        assert!(parse_strict(br#"{} x"#).is_err());
        let deep = "[".repeat(100_000);
        assert!(parse_strict(deep.as_bytes()).is_err());
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse_strict(ok.as_bytes()).is_ok());
    }

    #[test]
    fn text_and_values_share_one_limit_of_128_levels() {
        let text = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(parse_strict(text(MAX_DEPTH).as_bytes()).is_ok());
        assert!(parse_strict(text(MAX_DEPTH + 1).as_bytes()).is_err());
        let object =
            |levels: usize| format!("{}1{}", r#"{"a":"#.repeat(levels), "}".repeat(levels));
        assert!(parse_strict(object(MAX_DEPTH).as_bytes()).is_ok());
        assert!(parse_strict(object(MAX_DEPTH + 1).as_bytes()).is_err());
        // Far past the limit, text is refused before the stack is at risk.
        assert!(parse_strict(text(1_000_000).as_bytes()).is_err());
    }

    #[test]
    fn values_built_elsewhere_are_held_to_the_same_depth() {
        let nest =
            |levels: usize| (0..levels).fold(Value::Null, |inner, _| Value::Array(vec![inner]));
        assert!(within_depth(&nest(MAX_DEPTH)));
        assert!(!within_depth(&nest(MAX_DEPTH + 1)));
        assert!(within_depth(&Value::from(1)));
        let deep = nest(1_000_000);
        assert!(!within_depth(&deep));
        drop_flat(deep);
    }

    #[test]
    fn bounds_host_values_too() {
        let nest =
            |levels: usize| (0..levels).fold(Value::Null, |inner, _| Value::Array(vec![inner]));
        assert!(ValueSeed::default().deserialize(nest(MAX_DEPTH)).is_ok());
        assert!(ValueSeed::default()
            .deserialize(nest(MAX_DEPTH + 1))
            .is_err());
    }
}
