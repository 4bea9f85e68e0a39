//! How a [`Timestamp`] is stored: `TIMESTAMPTZ` on PostgreSQL; on SQLite, text in one
//! fixed-width UTC form so that text order is time order.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteTypeInfo, SqliteValueRef};
use sqlx::{Database, Decode, Encode, Postgres, Sqlite, Type};
use time::OffsetDateTime;
use time::macros::format_description;
use writ_core::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DbTime(pub(crate) Timestamp);

const SQLITE_FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

impl Type<Sqlite> for DbTime {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for DbTime {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        let text = self.0.datetime().format(SQLITE_FORMAT)?;
        <String as Encode<'_, Sqlite>>::encode(text, buf)
    }
}

impl<'r> Decode<'r, Sqlite> for DbTime {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        Ok(Self(Timestamp::parse(text)?))
    }
}

impl Type<Postgres> for DbTime {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for DbTime {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<'_, Postgres>>::encode(self.0.datetime(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for DbTime {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let at = <OffsetDateTime as Decode<'r, Postgres>>::decode(value)?;
        Ok(Self(Timestamp::from_datetime(at)))
    }
}

impl DbTime {
    /// The time as SQLite stores it (fixed width, so text order is time order); the
    /// queue's key uses it on both backends.
    pub(crate) fn sortable(self) -> String {
        self.0.datetime().format(SQLITE_FORMAT).unwrap_or_default()
    }
}
