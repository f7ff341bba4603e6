"""The importer: export files (CSV, XLSX, Parquet) -> typed canonical rows -> raw_* tables.

readers    bytes -> frame of strings (encoding, separator, junk lines, multi-line fields, sheets)
records    tolerant record splitting (malformed_record) and footer lines (合计, 制表人 …)
headers    header spellings -> one comparison key
contract   the data contract's kinds, fields, types and header aliases
profiles   YAML mapping profiles (profiles/canonical.yaml, profiles/cfpb.yaml)
mapping    a profile applied to a read table (kind detection, header matching, value maps)
values     value parsers (dates, booleans, numbers, channels, statuses, provinces, cities)
normalise  typed canonical columns per kind
rules      row rules -> quarantine rows
privacy    salted hashes and masks of customer identities
landing    loaded / updated / duplicate classification and the inserts
pipeline   preview_file, import_file, load_frame (the public entry points)
"""
