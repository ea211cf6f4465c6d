"""Tables the landing and national assets write beside their own, which dbt reads as sources."""

import dagster as dg

# Tables the landing and national assets write beside their own, which dbt reads as sources: declared here
# so that the UI shows them in their groups, with a description, rather than in `default`. Not executable.
SIDE_TABLES = [
    dg.AssetSpec(
        ["raw", "loaded_files"],
        group_name="landing",
        description="Liggaren: varje inläst fil i landningsmappen (innehållets hash, rader, rättelser, borttagen).",
    ),
    dg.AssetSpec(
        ["raw", "landing_files"],
        group_name="landing",
        description="Utfallet för varje fil i landningsmappen vid den senaste genomgången (sidan Datakvalitet).",
    ),
    dg.AssetSpec(
        ["raw", "quarantine"],
        group_name="landing",
        description="Rader som bröt mot kontraktet: fil, rad, kolumn och skäl (personnummer maskerade).",
    ),
    dg.AssetSpec(
        ["national", "fetch_log"],
        group_name="national",
        description="Varje hämtning från de nationella källorna: när, om den lyckades och varför inte.",
    ),
]
# The landing assets' shared tables: every folder's run writes them, and the data-quality models read them.
LANDING_SIDE_KEYS = tuple(spec.key for spec in SIDE_TABLES if spec.group_name == "landing")
