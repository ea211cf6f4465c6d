"""Tables the landing and national assets write beside their own, which dbt reads as sources: declared so
that the UI shows them in their groups, with a description, rather than in `default`. Not executable."""

import dagster as dg

from sources.landing.attendance import PUPILS_TABLE

# The landing assets' shared tables: every folder's run writes them, and the data-quality models read them.
_SHARED = [
    dg.AssetSpec(key, group_name=group, description=description)
    for key, group, description in (
        (
            ["raw", "loaded_files"],
            "landing",
            "Liggaren: varje inläst fil i landningsmappen (innehållets hash, rader, rättelser, borttagen).",
        ),
        (
            ["raw", "landing_files"],
            "landing",
            "Utfallet för varje fil i landningsmappen vid den senaste genomgången (sidan Datakvalitet).",
        ),
        (
            ["raw", "quarantine"],
            "landing",
            "Rader som bröt mot kontraktet: fil, rad, kolumn och skäl (personnummer maskerade).",
        ),
        (
            ["national", "fetch_log"],
            "national",
            "Varje hämtning från de nationella källorna: när, om den lyckades och varför inte.",
        ),
    )
]
LANDING_SIDE_KEYS = tuple(spec.key for spec in _SHARED if spec.group_name == "landing")
# Written by one folder's load beside its raw table (franvaro/: each pupil's gender once).
_OF_ONE_FOLDER = [
    dg.AssetSpec(
        PUPILS_TABLE.split("."),
        group_name="landing",
        description="Frånvarons elever: varje elev i franvaro/ en gång, med kön ur personnumret (när inskrivning "
        "saknas).",
    )
]
SIDE_TABLES = [*_SHARED, *_OF_ONE_FOLDER]
