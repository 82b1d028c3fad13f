-- OMOP Common Data Model v5.4: the NOTE_NLP table, as `extractor batch --omop`
-- writes it (note_nlp.csv, note_nlp.parquet).
--
-- Columns, order, types and NOT NULL as the CDM v5.4 specification defines them:
-- OHDSI/CommonDataModel inst/csv/OMOP_CDMv5.4_Field_Level.csv (rows of cdmTableName
-- note_nlp), the source from which the CDM generates its DDL; checked against the
-- generated SQLite DDL, OHDSI/CommonDataModel inst/ddl/5.4/sqlite/OMOPCDM_sqlite_5.4_ddl.sql.
-- The specification's generic types (integer, varchar(n), date, datetime) are
-- kept, so the same statement runs in SQLite and DuckDB; the CDM's
-- @cdmDatabaseSchema prefix is left out (prepend your schema). "offset" is quoted:
-- it is a reserved word in SQL. The primary key (note_nlp_id) and the foreign keys
-- (note_id -> NOTE, the concept ids -> CONCEPT) are in the CDM's separate
-- primary-key and constraint scripts.
CREATE TABLE note_nlp (
    note_nlp_id integer NOT NULL,
    note_id integer NOT NULL,
    section_concept_id integer NULL,
    snippet varchar(250) NULL,
    "offset" varchar(50) NULL,
    lexical_variant varchar(250) NOT NULL,
    note_nlp_concept_id integer NULL,
    note_nlp_source_concept_id integer NULL,
    nlp_system varchar(250) NULL,
    nlp_date date NOT NULL,
    nlp_datetime datetime NULL,
    term_exists varchar(1) NULL,
    term_temporal varchar(50) NULL,
    term_modifiers varchar(2000) NULL
);
