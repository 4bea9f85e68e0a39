//! What is wrong with an HI-1 message, as the `ErrorInformation` it is answered with.

use std::fmt;

/// The `ErrorCode` of an `ErrorInformation`.
///
/// TS 103 120's own table of codes is not among the reference files this crate was
/// written against; the codes are grouped the way its examples use them (3000 for an
/// object whose associated object is missing or invalid), and kept here, in one place,
/// so they can be aligned with the table without touching the callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCode {
    /// Not well-formed XML or JSON, or not an `HI1Message` at all.
    Syntax,
    /// An element in a namespace other than the one TS 103 120 puts it in.
    Namespace,
    /// A required element is missing, or a value is not of its type.
    Content,
    /// A value writ cannot act on: an identifier format, an action, a request type.
    Unsupported,
    /// An object whose associations are missing or wrong (a task without its
    /// authorisation), or an `ObjectIdentifier` used twice.
    Association,
    /// More than writ takes in one message.
    Limit,
}

impl ErrorCode {
    pub fn code(self) -> u32 {
        match self {
            Self::Syntax => 1000,
            Self::Namespace => 1001,
            Self::Content => 2000,
            Self::Unsupported => 2001,
            Self::Association => 3000,
            Self::Limit => 4000,
        }
    }
}

/// A message refused: the code, the element (a path such as
/// `ActionRequest[1]/CREATE/HI1Object/RequestDetails/RequestValues/RequestValue[0]`)
/// and what is wrong with it. The description names the element, as the issuer needs
/// to find it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Hi1Error {
    pub code: ErrorCode,
    pub element: String,
    pub problem: String,
}

impl Hi1Error {
    pub fn new(code: ErrorCode, element: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            code,
            element: element.into(),
            problem: problem.into(),
        }
    }

    /// The `ErrorDescription` sent back: the element, then the problem.
    pub fn description(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Hi1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.element, self.problem)
    }
}
