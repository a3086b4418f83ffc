"""Rule-based recognizers: one module per thing recognized, each a pure `find_*` over text
plus a spaCy component that runs it on a Doc."""
