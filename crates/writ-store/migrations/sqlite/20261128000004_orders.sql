-- The signed order an authority uploads with its demand (a PDF), kept with the case.
CREATE TABLE case_documents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    filename    TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    uploaded_at TEXT NOT NULL
) STRICT;
CREATE INDEX case_documents_by_case ON case_documents (case_id, id);
