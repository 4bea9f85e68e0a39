//! One element tree for both encodings: XML read with its namespaces resolved, JSON
//! read with its prefixes resolved the way the ETSI JSON schemas fix them. The typed
//! reading (`message.rs`) and the writing (`emit.rs`) only ever see this tree, so the
//! two encodings cannot drift apart.

use std::borrow::Cow;

use quick_xml::escape::{escape, resolve_xml_entity};
use quick_xml::events::Event;
use quick_xml::name::{QName, ResolveResult};
use quick_xml::reader::NsReader;
use serde_json::{Map, Value};

use crate::error::{ErrorCode, Hi1Error};

/// The namespaces of TS 103 120 and TS 103 280 that writ reads and writes.
pub mod ns {
    pub const CORE: &str = "http://uri.etsi.org/03120/common/2019/10/Core";
    pub const COMMON: &str = "http://uri.etsi.org/03120/common/2016/02/Common";
    pub const TASK: &str = "http://uri.etsi.org/03120/common/2020/09/Task";
    pub const AUTH: &str = "http://uri.etsi.org/03120/common/2020/09/Authorisation";
    pub const DOC: &str = "http://uri.etsi.org/03120/common/2020/09/Document";
    pub const NOTIFICATION: &str = "http://uri.etsi.org/03120/common/2016/02/Notification";
    pub const DELIVERY: &str = "http://uri.etsi.org/03120/common/2019/10/Delivery";
    pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

    /// The prefixes writ writes, and the JSON encoding's fixed prefixes.
    pub const PREFIXES: [(&str, &str); 6] = [
        ("common", COMMON),
        ("task", TASK),
        ("auth", AUTH),
        ("doc", DOC),
        ("notification", NOTIFICATION),
        ("delivery", DELIVERY),
    ];
}

/// Deeper than any HI-1 message goes; a bound so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 48;
/// More elements than a message within the task limit has; a bound on memory.
const MAX_ELEMENTS: usize = 2_000_000;

/// A leaf's value as the JSON encoding types it (XML has only text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// A container (or an element with no content at all): `{}` in JSON.
    None,
    Text(String),
    Integer(u64),
    Boolean(bool),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// The namespace URI; empty for none. HI-1's own are not copied per element.
    pub ns: Cow<'static, str>,
    pub name: String,
    /// `xsi:type`, resolved: (namespace, local name).
    pub xsi_type: Option<(String, String)>,
    pub leaf: Leaf,
    pub children: Vec<Element>,
}

/// A known namespace as a static string, any other as its own.
pub fn intern(namespace: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 8] = [
        ns::CORE,
        ns::COMMON,
        ns::TASK,
        ns::AUTH,
        ns::DOC,
        ns::NOTIFICATION,
        ns::DELIVERY,
        "",
    ];
    match KNOWN.iter().find(|known| **known == namespace) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(namespace.to_owned()),
    }
}

impl Element {
    pub fn new(ns: &str, name: &str) -> Self {
        Self {
            ns: intern(ns),
            name: name.to_owned(),
            xsi_type: None,
            leaf: Leaf::None,
            children: Vec::new(),
        }
    }

    pub fn text(ns: &str, name: &str, text: impl Into<String>) -> Self {
        Self {
            leaf: Leaf::Text(text.into()),
            ..Self::new(ns, name)
        }
    }

    pub fn integer(ns: &str, name: &str, value: u64) -> Self {
        Self {
            leaf: Leaf::Integer(value),
            ..Self::new(ns, name)
        }
    }

    pub fn boolean(ns: &str, name: &str, value: bool) -> Self {
        Self {
            leaf: Leaf::Boolean(value),
            ..Self::new(ns, name)
        }
    }

    pub fn typed(mut self, ns: &str, name: &str) -> Self {
        self.xsi_type = Some((ns.to_owned(), name.to_owned()));
        self
    }

    pub fn with(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    pub fn with_all(mut self, children: impl IntoIterator<Item = Element>) -> Self {
        self.children.extend(children);
        self
    }

    pub fn with_opt(self, child: Option<Element>) -> Self {
        match child {
            Some(child) => self.with(child),
            None => self,
        }
    }

    /// The leaf as text (a JSON number or boolean as written in XML).
    pub fn value(&self) -> String {
        match &self.leaf {
            Leaf::None => String::new(),
            Leaf::Text(text) => text.clone(),
            Leaf::Integer(n) => n.to_string(),
            Leaf::Boolean(b) => b.to_string(),
        }
    }
}

// ------------------------------------------------------------------------ XML in

fn syntax(problem: impl Into<String>) -> Hi1Error {
    Hi1Error::new(ErrorCode::Syntax, "HI1Message", problem)
}

/// Reads an XML document into its root element. No DTD, no entities beyond XML's five
/// and character references: nothing in the document can make the reader fetch or
/// expand anything.
pub fn from_xml(bytes: &[u8]) -> Result<Element, Hi1Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| syntax("the message is not UTF-8"))?;
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| syntax(format!("not well-formed XML: {e}")))?;
        let (start, empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(syntax("an end tag without its start"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return finish(&mut reader, done),
                }
                continue;
            }
            Event::Text(text) => {
                let text = text
                    .decode()
                    .map_err(|e| syntax(format!("undecodable text: {e}")))?;
                push_text(&mut stack, &text)?;
                continue;
            }
            Event::CData(data) => {
                let text = data
                    .decode()
                    .map_err(|e| syntax(format!("undecodable CDATA: {e}")))?;
                push_text(&mut stack, &text)?;
                continue;
            }
            Event::GeneralRef(reference) => {
                let resolved = if reference.is_char_ref() {
                    reference
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                } else {
                    reference
                        .decode()
                        .ok()
                        .and_then(|name| resolve_xml_entity(&name).map(str::to_owned))
                };
                let resolved =
                    resolved.ok_or_else(|| syntax("an entity reference XML does not define"))?;
                push_text(&mut stack, &resolved)?;
                continue;
            }
            Event::DocType(_) => return Err(syntax("a document type declaration is not allowed")),
            Event::Eof => return Err(syntax("the document ends before its root element does")),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => continue,
        };
        count += 1;
        if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
            return Err(Hi1Error::new(
                ErrorCode::Limit,
                "HI1Message",
                "the message is larger or deeper than writ accepts",
            ));
        }
        let (resolved, local) = reader.resolver().resolve_element(start.name());
        let ns = namespace_of(resolved, start.name())?;
        let name = utf8(local.as_ref())?;
        let mut element = Element::new(&ns, &name);
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| syntax(format!("a bad attribute: {e}")))?;
            let (attr_ns, attr_local) = reader.resolver().resolve_attribute(attribute.key);
            if matches!(attr_ns, ResolveResult::Bound(n) if n.as_ref() == ns::XSI.as_bytes())
                && attr_local.as_ref() == b"type"
            {
                let value = attribute
                    .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .map_err(|e| syntax(format!("a bad xsi:type: {e}")))?;
                let (type_ns, type_local) =
                    reader.resolver().resolve_element(QName(value.as_bytes()));
                let type_ns = namespace_of(type_ns, QName(value.as_bytes()))?;
                element.xsi_type = Some((type_ns.into_owned(), utf8(type_local.as_ref())?));
            }
        }
        if empty {
            match stack.last_mut() {
                Some(parent) => parent.children.push(element),
                None => return finish(&mut reader, element),
            }
        } else {
            stack.push(element);
        }
    }
}

/// After the root element: only comments, processing instructions and white space.
fn finish(reader: &mut NsReader<&[u8]>, root: Element) -> Result<Element, Hi1Error> {
    loop {
        match reader
            .read_event()
            .map_err(|e| syntax(format!("not well-formed XML: {e}")))?
        {
            Event::Eof => return Ok(root),
            Event::Comment(_) | Event::PI(_) => {}
            Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
            _ => return Err(syntax("content after the root element")),
        }
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), Hi1Error> {
    match stack.last_mut() {
        // Indentation between a container's children is not content.
        Some(element) if element.leaf == Leaf::None && text.trim().is_empty() => Ok(()),
        Some(element) => {
            match &mut element.leaf {
                Leaf::Text(existing) => existing.push_str(text),
                leaf => *leaf = Leaf::Text(text.to_owned()),
            }
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(syntax("text outside the root element")),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, Hi1Error> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| syntax("a name that is not UTF-8"))
}

fn namespace_of(
    resolved: ResolveResult<'_>,
    name: QName<'_>,
) -> Result<Cow<'static, str>, Hi1Error> {
    match resolved {
        ResolveResult::Bound(n) => std::str::from_utf8(n.as_ref())
            .map(intern)
            .map_err(|_| syntax("a namespace that is not UTF-8")),
        ResolveResult::Unbound => Ok(Cow::Borrowed("")),
        ResolveResult::Unknown(prefix) => Err(Hi1Error::new(
            ErrorCode::Namespace,
            String::from_utf8_lossy(name.as_ref()),
            format!(
                "the prefix {:?} is not declared",
                String::from_utf8_lossy(&prefix)
            ),
        )),
    }
}

// ----------------------------------------------------------------------- JSON in

/// Reads the JSON encoding: keys are `prefix:Name` with the prefixes the ETSI JSON
/// schemas fix (`task:`, `auth:`, …; no prefix for Core), unless the document binds a
/// prefix to another namespace with `@xmlns:prefix`; arrays are repeated elements;
/// `@xsi:type` is `{namespace}Name`.
pub fn from_json(bytes: &[u8]) -> Result<Element, Hi1Error> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| syntax(format!("not well-formed JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(syntax("the message must be a JSON object"));
    };
    let mut bindings: Vec<(String, String)> = ns::PREFIXES
        .iter()
        .map(|(p, n)| ((*p).to_owned(), (*n).to_owned()))
        .collect();
    let mut default = ns::CORE.to_owned();
    for (key, value) in &object {
        if let Some(rest) = key.strip_prefix("@xmlns") {
            let Value::String(uri) = value else {
                return Err(syntax(format!("{key} must be a string")));
            };
            match rest.strip_prefix(':') {
                Some(prefix) => {
                    bindings.retain(|(p, _)| p != prefix);
                    bindings.push((prefix.to_owned(), uri.clone()));
                }
                None if rest.is_empty() => default = uri.clone(),
                None => {}
            }
        }
    }
    let context = JsonContext { bindings, default };
    let mut count = 0;
    json_element(
        &context,
        "HI1Message",
        &Value::Object(object),
        0,
        &mut count,
    )
}

struct JsonContext {
    bindings: Vec<(String, String)>,
    default: String,
}

impl JsonContext {
    fn resolve(&self, key: &str) -> Result<(String, String), Hi1Error> {
        match key.split_once(':') {
            None => Ok((self.default.clone(), key.to_owned())),
            Some((prefix, local)) => self
                .bindings
                .iter()
                .find(|(p, _)| p == prefix)
                .map(|(_, n)| (n.clone(), local.to_owned()))
                .ok_or_else(|| {
                    Hi1Error::new(
                        ErrorCode::Namespace,
                        key,
                        format!("the prefix {prefix:?} is not declared"),
                    )
                }),
        }
    }
}

fn json_element(
    context: &JsonContext,
    key: &str,
    value: &Value,
    depth: usize,
    count: &mut usize,
) -> Result<Element, Hi1Error> {
    *count += 1;
    if depth >= MAX_DEPTH || *count > MAX_ELEMENTS {
        return Err(Hi1Error::new(
            ErrorCode::Limit,
            "HI1Message",
            "the message is larger or deeper than writ accepts",
        ));
    }
    let (namespace, name) = context.resolve(key)?;
    let mut element = Element::new(&namespace, &name);
    match value {
        Value::String(text) => element.leaf = Leaf::Text(text.clone()),
        Value::Bool(b) => element.leaf = Leaf::Boolean(*b),
        Value::Number(n) => {
            element.leaf = match n.as_u64() {
                Some(n) => Leaf::Integer(n),
                None => Leaf::Text(n.to_string()),
            }
        }
        Value::Null => {
            return Err(Hi1Error::new(
                ErrorCode::Content,
                key,
                "null is not a value in HI-1",
            ));
        }
        Value::Array(_) => {
            return Err(Hi1Error::new(
                ErrorCode::Content,
                key,
                "an array inside an array",
            ));
        }
        Value::Object(members) => {
            for (child_key, child) in members {
                if child_key == "@xsi:type" {
                    element.xsi_type = Some(clark_name(child_key, child)?);
                    continue;
                }
                if child_key.starts_with('@') {
                    continue;
                }
                match child {
                    Value::Array(items) => {
                        for item in items {
                            element.children.push(json_element(
                                context,
                                child_key,
                                item,
                                depth + 1,
                                count,
                            )?);
                        }
                    }
                    _ => element.children.push(json_element(
                        context,
                        child_key,
                        child,
                        depth + 1,
                        count,
                    )?),
                }
            }
        }
    }
    Ok(element)
}

/// `{namespace}Name`.
fn clark_name(key: &str, value: &Value) -> Result<(String, String), Hi1Error> {
    let bad = || {
        Hi1Error::new(
            ErrorCode::Content,
            key,
            "must be {namespace}Name, as in {http://uri.etsi.org/03120/common/2020/09/Task}LDTaskObject",
        )
    };
    let text = value.as_str().ok_or_else(bad)?;
    let rest = text.strip_prefix('{').ok_or_else(bad)?;
    let (namespace, name) = rest.split_once('}').ok_or_else(bad)?;
    Ok((namespace.to_owned(), name.to_owned()))
}

// ----------------------------------------------------------------------- XML out

fn prefix_of(namespace: &str) -> Option<&'static str> {
    if namespace == ns::CORE {
        return Some("");
    }
    ns::PREFIXES
        .iter()
        .find(|(_, n)| *n == namespace)
        .map(|(p, _)| *p)
}

fn qualified(namespace: &str, name: &str) -> String {
    match prefix_of(namespace) {
        Some("") | None => name.to_owned(),
        Some(prefix) => format!("{prefix}:{name}"),
    }
}

/// Writes the tree as an XML document, Core as the default namespace and the others
/// with their usual prefixes, all declared on the root.
pub fn to_xml(root: &Element) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut declarations = format!(" xmlns=\"{}\" xmlns:xsi=\"{}\"", ns::CORE, ns::XSI);
    for (prefix, namespace) in ns::PREFIXES {
        declarations.push_str(&format!(" xmlns:{prefix}=\"{namespace}\""));
    }
    write_xml(root, &declarations, &mut out);
    out.push('\n');
    out
}

fn write_xml(element: &Element, declarations: &str, out: &mut String) {
    let name = qualified(&element.ns, &element.name);
    out.push('<');
    out.push_str(&name);
    out.push_str(declarations);
    if let Some((type_ns, type_name)) = &element.xsi_type {
        out.push_str(" xsi:type=\"");
        out.push_str(&escape(qualified(type_ns, type_name).as_str()));
        out.push('"');
    }
    out.push('>');
    if element.children.is_empty() {
        out.push_str(&escape(element.value().as_str()));
    } else {
        for child in &element.children {
            write_xml(child, "", out);
        }
    }
    out.push_str("</");
    out.push_str(&name);
    out.push('>');
}

// ---------------------------------------------------------------------- JSON out

/// Elements the JSON schemas type as arrays (`maxOccurs` above one), by the key they
/// have there: such an element is an array even when it occurs once.
const JSON_ARRAYS: [&str; 24] = [
    "ActionRequest",
    "ActionResponse",
    "AssociatedObject",
    "ListResponseRecord",
    "auth:AuthorisationApprovalDetails",
    "auth:AuthorisationFlag",
    "auth:CSPID",
    "common:ApproverContactDetails",
    "common:ChecksumAndType",
    "common:DictionaryEntry",
    "common:Languages",
    "doc:DocumentProperty",
    "doc:DocumentSignature",
    "notification:AssociatedObjectStatus",
    "task:AlternativePreservationReference",
    "task:ApprovalDetails",
    "task:DeliveryDestination",
    "task:LDDeadline",
    "task:LDDeliveryDestination",
    "task:LDTaskFlag",
    "task:ObservedTimes",
    "task:RequestSubtype",
    "task:RequestValue",
    "task:TaskFlag",
];

/// Writes the tree in the JSON encoding.
pub fn to_json(root: &Element) -> Value {
    let mut object = Map::new();
    object.insert("@xmlns".to_owned(), Value::from(ns::CORE));
    object.insert("@xmlns:xsi".to_owned(), Value::from(ns::XSI));
    for (prefix, namespace) in ns::PREFIXES {
        object.insert(format!("@xmlns:{prefix}"), Value::from(namespace));
    }
    if let Value::Object(members) = json_value(root) {
        object.extend(members);
    }
    Value::Object(object)
}

fn json_value(element: &Element) -> Value {
    if element.children.is_empty() && element.xsi_type.is_none() {
        return match &element.leaf {
            Leaf::None => Value::Object(Map::new()),
            Leaf::Text(text) => Value::from(text.as_str()),
            Leaf::Integer(n) => Value::from(*n),
            Leaf::Boolean(b) => Value::from(*b),
        };
    }
    let mut members = Map::new();
    if let Some((type_ns, type_name)) = &element.xsi_type {
        members.insert(
            "@xsi:type".to_owned(),
            Value::from(format!("{{{type_ns}}}{type_name}")),
        );
    }
    for child in &element.children {
        let key = qualified(&child.ns, &child.name);
        let value = json_value(child);
        if JSON_ARRAYS.contains(&key.as_str()) {
            match members.get_mut(&key) {
                Some(Value::Array(items)) => items.push(value),
                _ => {
                    members.insert(key, Value::Array(vec![value]));
                }
            }
        } else {
            members.insert(key, value);
        }
    }
    Value::Object(members)
}
