"""Swedish names for what the exports show: one sheet name and description per served table, one column
header per served column (the wording follows the marts' descriptions in dbt/models/marts/**/*.yml), and
Excel number formats. Declared once here; the xlsx, csv and provenance writers all read it.

Excel format codes are written with ',' for thousands and '.' for decimals whatever the language; Excel
and LibreOffice show them with the reader's separators (Swedish: '1 234,5').
"""

from __future__ import annotations

# Served table → (sheet name ≤ 31 characters, no : \ / ? * [ ], and what the table is, in Swedish).
TABLES: dict[str, tuple[str, str]] = {
    "indicators": ("Indikatorer", "Indikatorkatalogen: vad varje indikator mäter, enhet och riktning."),
    "indicator_values": (
        "Indikatorvärden",
        "Indikatorvärden per skolenhet, kommun och riket, år och kön: egna beräkningar (röjandekontrollerade) "
        "och publicerade värden (Kolada, Skolverket).",
    ),
    "benchmarking": (
        "Jämförelser Kolada",
        "Kommunens värde bredvid riket och liknande kommuner, rang och kvartil bland landets kommuner. "
        "Källa: Kolada (RKA).",
    ),
    "reconciliation": ("Avstämning", "Kommunens egen beräkning bredvid den officiella siffran och skillnaden."),
    "data_freshness": ("Datans ålder", "Per nationell källa: datum för senaste data och senaste hämtning."),
    "skolenkaten_results": ("Skolenkäten", "Skolinspektionens skolenkät: index 0–10 per område, som publicerat."),
    "siris_unit_statistics": ("SIRIS skolenheter", "Skolverkets statistik (SIRIS) för kommunens skolenheter."),
    "grade_test_discrepancy": (
        "Provbetyg och betyg",
        "Andel elever vars betyg är högre än, lika med eller lägre än provbetyget på nationella prov.",
    ),
    "survey_results": ("Enkätresultat", "Kommunens egna enkäter: andel positiva svar och index 0–10 per område."),
    "attendance_by_period": (
        "Frånvaro per period",
        "Frånvaro per period och läsår: total, giltig och ogiltig frånvaro, andel elever över 10, 15 och 50 % "
        "frånvaro, rapporteringsgrad.",
    ),
    "data_quality_files": ("Datakvalitet filer", "Landningsfilernas utfall vid senaste körningen."),
    "data_quality_quarantine": ("Datakvalitet karantän", "Rader i karantän per fil, kolumn och orsak."),
    "equity_gaps": (
        "Likvärdighet skillnader",
        "Skillnader mellan elevgrupper i åk 9 (kön, föräldrars utbildning, nyanlända) med 95 % intervall.",
    ),
    "equity_decomposition": (
        "Likvärdighet kommunen",
        "Kommunens skillnader inom och mellan skolor, och mellanskolvariationen i meritvärde.",
    ),
    "salsa_comparison": (
        "SALSA",
        "Skolenhetens resultat bredvid det förväntade utifrån elevernas bakgrund (egen modell och Skolverkets SALSA).",
    ),
    "similar_units": ("Liknande skolenheter", "De tio skolenheter i landet som mest liknar varje skola i bakgrund."),
    "similar_units_comparison": (
        "Jämförelse liknande enheter",
        "Skolans värde bredvid lägsta, kvartiler, median och högsta bland dess liknande skolenheter.",
    ),
    "value_added": ("Förädlingsvärde", "Förädlingsvärde per årskull, skolenhet och kommun med 95 % intervall."),
    "value_added_population": ("Förädlingsvärde elever", "Eleverna bakom förädlingsvärdet."),
    "cohort_progression": ("Kohortens väg", "Andel av årskullens elever som når godtagbar nivå, åk 1–9."),
    "goal_results": ("Målens mått", "Hur blev det? Varje mått i nämndens mål per enhet och år: utfall och målvärde."),
    "goal_status": ("Målstatus", "Varje måls status per år, vägd ur dess mått."),
    "goal_actions": ("Målens aktiviteter", "Aktiviteterna för målen, med status och ansvarig."),
}
PROVENANCE_SHEET = "Om underlaget"

# Column → Swedish header. Shared wording for columns that mean the same in every table.
COLUMNS: dict[str, str] = {
    "above_10_pct": "Andel elever över 10 % frånvaro (%)",
    "above_15_pct": "Andel elever över 15 % frånvaro (%)",
    "above_50_pct": "Andel elever över 50 % frånvaro (%)",
    "absence_pct": "Frånvaro (%)",
    "achieved_from_pct": "Uppfyllt från (% av målvärdet)",
    "achievement_pct": "Utfall i % av målvärdet",
    "action": "Aktivitet",
    "action_no": "Aktivitet nr",
    "actual": "Faktiskt resultat",
    "alla_amnen": "Uppnått alla ämnen (%)",
    "area": "Område",
    "area_no": "Område nr",
    "attribution": "Tillskrivning",
    "band": "Förädlingsvärdets nivå (kod)",
    "band_sv": "Förädlingsvärdets nivå",
    "behorighet_yrkes": "Behörig till yrkesprogram (%)",
    "between_school": "Skillnad mellan skolor",
    "between_school_share_pct": "Mellanskolvariation (%)",
    "between_variance": "Varians mellan skolor",
    "change_from_previous_year": "Förändring från föregående år",
    "ci_high": "95 % intervall, övre",
    "ci_low": "95 % intervall, nedre",
    "cohort": "Årskull (tom = alla årskullar)",
    "column_name": "Kolumn",
    "comment": "Kommentar",
    "data_age_days": "Datans ålder (dagar)",
    "data_as_of": "Data till och med",
    "description": "Beskrivning",
    "deviation": "Avvikelse",
    "difference": "Skillnad",
    "dimension": "Dimension",
    "distance": "Avstånd",
    "expected": "Förväntat resultat",
    "file_name": "Fil",
    "first_line": "Första rad",
    "folder": "Mapp",
    "gap": "Skillnad",
    "gender": "Kön (T/K/M)",
    "goal_id": "Mål-id",
    "goal_rule": "Regel för målstatus",
    "goal_sort_order": "Målets ordning",
    "goal_title": "Mål",
    "grade_level": "Årskurs",
    "group_a": "Grupp a",
    "group_b": "Grupp b",
    "group_max": "Högsta",
    "group_median": "Median",
    "group_min": "Lägsta",
    "group_n": "Antal liknande enheter med värde",
    "group_q1": "Första kvartil",
    "group_q3": "Tredje kvartil",
    "higher_is_better": "Högre är bättre",
    "index_value": "Index (0–10)",
    "indicator_id": "Indikator-id",
    "indicator_title": "Indikator",
    "inom_osakerheten": "Inom osäkerheten",
    "invalid_absence_pct": "Ogiltig frånvaro (%)",
    "is_latest_measured": "Senast mätbara år",
    "kommun": "Kommun",
    "kpi_group": "Grupp",
    "kpi_id": "Kolada-id",
    "kpi_position": "Ordning",
    "kpi_title": "Nyckeltal",
    "last_attempt_message": "Senaste försökets utfall",
    "last_attempt_ok": "Senaste försöket lyckades",
    "last_line": "Sista rad",
    "last_successful_fetch": "Senast hämtad (svensk tid)",
    "level": "Nivå",
    "loaded_at": "Inläst (svensk tid)",
    "local_n": "Antal elever, egen beräkning",
    "local_status": "Status, egen beräkning",
    "local_value": "Egen beräkning",
    "mean_a": "Medelvärde grupp a",
    "mean_b": "Medelvärde grupp b",
    "measure": "Mått",
    "measure_no": "Mått nr",
    "measures": "Antal mått",
    "measures_measurable": "Mätbara mått",
    "measures_met": "Uppfyllda mått",
    "measures_missed": "Ej uppfyllda mått",
    "measures_partly": "Delvis uppfyllda mått",
    "meritvarde": "Meritvärde",
    "method": "Metod",
    "min_n": "Gräns för röjandekontroll (antal)",
    "model": "Modell",
    "model_r_squared": "Modellens R²",
    "municipality_code": "Kommunkod",
    "n": "Antal elever",
    "n_a": "Antal elever grupp a",
    "n_arrived": "Varav inflyttade under stadiet",
    "n_b": "Antal elever grupp b",
    "n_left": "Elever som lämnat under stadiet",
    "n_movers": "Varav bytt skola",
    "n_newly_arrived": "Varav nyanlända",
    "n_no_prior": "Varav utan tidigare resultat",
    "n_respondents": "Antal svarande",
    "n_schools": "Antal skolor",
    "n_with_prior": "Varav med tidigare resultat",
    "occasion": "Tillfälle",
    "official_source": "Officiell källa",
    "official_source_sv": "Officiell källa (namn)",
    "breakdown": "Elevgrupp",
    "indicator_derivation": "Härledning",
    "report_school_year": "Rapportens läsår",
    "source_file": "Källfil",
    "official_status": "Status, officiell siffra",
    "official_value": "Officiell siffra",
    "organiser_type": "Huvudmannatyp",
    "outcome": "Resultatmått",
    "outcome_sv": "Utfall",
    "outcome_unit": "Måttenhet",
    "own_source": "Källa för skolans värde",
    "own_value": "Skolans värde",
    "parents_education": "Föräldrars utbildningsnivå (1–3)",
    "partly_from_pct": "Delvis uppfyllt från (% av målvärdet)",
    "period": "Period (0 = hela läsåret)",
    "period_from": "Målperiod från",
    "period_name": "Periodens namn",
    "period_to": "Målperiod till",
    "publisher": "Publicerat av",
    "quartile": "Kvartil (1 = bäst)",
    "rank": "Rang",
    "ranked_municipalities": "Antal rangordnade kommuner",
    "reason": "Orsak",
    "reference": "Referensgrupp",
    "reference_year": "Jämförelseår",
    "report": "Rapport",
    "reporting_rate_pct": "Rapporteringsgrad (%)",
    "respondent_group": "Svarandegrupp",
    "response_rate": "Svarsfrekvens",
    "responsible": "Ansvarig",
    "results_school_year": "Läsår för resultaten",
    "riket_status": "Status, riket",
    "riket_value": "Riket",
    "rows_in": "Rader i filen",
    "rows_loaded": "Rader inlästa",
    "rows_quarantined": "Rader i karantän",
    "school_unit_code": "Skolenhetskod",
    "school_unit_name": "Skolenhet",
    "school_year": "Läsår",
    "se": "Medelfel",
    "share": "Andel (%)",
    "share_boys": "Andel pojkar (%)",
    "share_ci_high": "95 % intervall, övre (%)",
    "share_ci_low": "95 % intervall, nedre (%)",
    "share_higher": "Betyg högre än provbetyg (%)",
    "share_lower": "Betyg lägre än provbetyg (%)",
    "share_positive": "Andel positiva svar (%)",
    "share_same": "Betyg lika med provbetyg (%)",
    "short_title_sv": "Kort titel",
    "significant": "Statistiskt säkerställd",
    "similar_group_year": "Liknande kommuner, gruppens år",
    "similar_mean": "Liknande kommuner (medelvärde)",
    "similar_parents_education": "Liknande enhetens föräldrars utbildningsnivå",
    "similar_pupils": "Liknande enhetens elever i åk 9",
    "similar_share_boys": "Liknande enhetens andel pojkar (%)",
    "similar_unit_code": "Liknande enhetens skolenhetskod",
    "similar_unit_name": "Liknande skolenhet",
    "similar_value": "Liknande kommuner",
    "similar_with_value": "Antal liknande kommuner med värde",
    "size_bytes": "Storlek (byte)",
    "sort_order": "Ordning",
    "source": "Källa",
    "stage": "Stadium",
    "status": "Status",
    "status_reason": "Förklaring",
    "subject": "Ämne",
    "survey": "Enkät",
    "survey_type": "Enkättyp",
    "target_text": "Målvärde (text)",
    "target_type": "Typ av målvärde",
    "target_value": "Målvärde",
    "title_sv": "Titel",
    "topic": "Område på instrumentpanelen",
    "total_gap": "Skillnad i kommunen",
    "trend": "Trend",
    "trend_from_year": "Trend från år",
    "unit": "Måttenhet",
    "unit_code": "Enhetskod",
    "unit_name": "Enhet",
    "va": "Förädlingsvärde",
    "va_shrunk": "Förädlingsvärde, krympt skattning",
    "valid_absence_pct": "Giltig frånvaro (%)",
    "value": "Värde",
    "value_1": "Utfall året före",
    "value_2": "Utfall två år före",
    "value_source": "Källa för utfallet",
    "value_status": "Status, utfall",
    "value_status_1": "Status, utfall året före",
    "value_status_2": "Status, utfall två år före",
    "verdict": "Bedömning",
    "was_revised": "Reviderat av Kolada",
    "weight": "Vikt",
    "within_ci_high": "Inom skolor, 95 % intervall, övre",
    "within_ci_low": "Inom skolor, 95 % intervall, nedre",
    "within_school": "Skillnad inom skolor",
    "within_variance": "Varians inom skolor",
    "year": "År",
    "years_back": "År bakåt",
}
# Where a table means something else by a column.
TABLE_COLUMNS: dict[tuple[str, str], str] = {
    ("goal_results", "value"): "Utfall",
    ("goal_results", "n"): "Antal elever/svarande",
    ("goal_results", "status"): "Målstatus",
    ("goal_status", "status"): "Målstatus",
    ("goal_actions", "status"): "Status",
    ("indicator_values", "n"): "Antal elever/svarande",
    ("benchmarking", "value"): "Kommunens värde",
    ("benchmarking", "status"): "Status, kommunens värde",
    ("benchmarking", "attribution"): "Källa",
    ("survey_results", "n"): "Antal svarande",
    ("similar_units", "n"): "Antal elever i åk 9",
    ("similar_units", "kommun"): "Liknande enhetens kommun",
    ("similar_units", "organiser_type"): "Liknande enhetens huvudmannatyp",
    ("similar_units", "distance"): "Avstånd (standardiserat)",
    ("similar_units", "meritvarde"): "Liknande enhetens meritvärde",
    ("similar_units", "alla_amnen"): "Liknande enhetens uppnått alla ämnen (%)",
    ("similar_units", "behorighet_yrkes"): "Liknande enhetens behörighet yrkesprogram (%)",
    ("similar_units", "rank"): "Rang (1 = mest lik)",
    ("similar_units_comparison", "n"): "Antal elever (egen beräkning)",
    ("equity_gaps", "n"): "Antal elever i minsta gruppen",
    ("equity_decomposition", "n"): "Antal elever i minsta gruppen",
    ("value_added_population", "n"): "Antal elever",
    ("equity_decomposition", "measure"): "Mått",
    ("benchmarking", "rank"): "Rang bland kommunerna (1 = bäst)",
    ("salsa_comparison", "source"): "Beräkning",
    ("salsa_comparison", "n"): "Antal elever (egen modell)",
    ("skolenkaten_results", "value"): "Index (0–10)",
    ("siris_unit_statistics", "value"): "Värde",
    ("reconciliation", "difference"): "Skillnad (egen − officiell)",
    ("data_quality_files", "outcome"): "Utfall (kod)",
}

# Excel number formats. Years, codes-as-numbers and counters without a thousands separator (2026, not 2 026).
PLAIN_INTEGER_COLUMNS = frozenset(
    {
        "year",
        "cohort",
        "period",
        "period_from",
        "period_to",
        "reference_year",
        "trend_from_year",
        "similar_group_year",
        "grade_level",
        "area_no",
        "kpi_position",
        "sort_order",
        "goal_sort_order",
        "measure_no",
        "action_no",
        "rank",
        "quartile",
        "first_line",
        "last_line",
        "years_back",
        "min_n",
    }
)
INTEGER_FORMAT = "#,##0"
PLAIN_INTEGER_FORMAT = "0"
DECIMAL_FORMAT = "#,##0.0"
COLUMN_FORMATS: dict[str, str] = {
    "model_r_squared": "0.00",
    "distance": "0.00",
    "parents_education": "0.00",
    "similar_parents_education": "0.00",
    "se": "0.00",
    "response_rate": "0.0%",
    "weight": "0.0#",
    "between_variance": "#,##0.0",
    "within_variance": "#,##0.0",
    "similar_pupils": "#,##0",
    "reporting_rate_pct": "0.0",
}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Moments the warehouse serves in UTC (naive); csv and xlsx show them in Swedish time, as the dashboard does.
SWEDISH_TIME_COLUMNS = frozenset({"last_successful_fetch", "loaded_at"})
DATE_FORMAT = "yyyy-mm-dd"
BOOLEAN_TEXT = {True: "ja", False: "nej"}

# The reason codes, as every export explains them (the dashboard's wording, dashboards/data.py and
# dashboards/presentation.py).
CODE_LEGEND: tuple[tuple[str, str], ...] = (
    (
        "..",
        "Värdet visas inte för att skydda enskilda elever (röjandekontroll): färre än {pupils} elever "
        "({respondents} svarande i enkäter), eller dolt för att ett sådant värde inte ska kunna räknas fram ur "
        "de andra. Publicerade siffror: utgivarens skydd (Koladas 'Privacy', Skolenkätens '-').",
    ),
    (
        ".",
        "Uppgift saknas: inga elever i underlaget, ingen uppgift från källan det året, eller inte beräkningsbart "
        "(t.ex. Koladas 'Missing').",
    ),
)


def sheet_name(table: str) -> str:
    """The table's sheet name (≤ 31 characters); a table without a declared name keeps its served name."""
    return TABLES.get(table, (table[:31], ""))[0]


def table_description(table: str) -> str:
    return TABLES.get(table, ("", ""))[1]


def column_label(table: str, column: str) -> str:
    """The Swedish header of a served column (the served name itself when none is declared)."""
    return TABLE_COLUMNS.get((table, column)) or COLUMNS.get(column) or column


def number_format(column: str, kind: str) -> str | None:
    """The Excel number format of a numeric column ('int' or 'float'); None for other kinds."""
    if column in COLUMN_FORMATS:
        return COLUMN_FORMATS[column]
    if kind == "int":
        return PLAIN_INTEGER_FORMAT if column in PLAIN_INTEGER_COLUMNS else INTEGER_FORMAT
    if kind == "float":
        return DECIMAL_FORMAT
    return None
