"""The demo municipality's goals file (`mal/namndsmal.yaml`): nämndens mål the way a förvaltning writes
them (docs/contracts.md, "mal/"), so that the demo's Översikt has goals, statuses and actions to show.

Seven goals over the last three school years of the generated data, covering every target type: absolute
målvärden on the municipality's own results, "minst riket" and "minst liknande kommuner" on Kolada's
figures, improvement over two years and "bättre än förra året". Which goals are met depends on the
generated results; offline, a target resolved from national figures the shipped files do not have yet (riket
after their last year) cannot be measured, and the page says so. The demo (kavlinge) ends in 2024/25.
"""

from __future__ import annotations

from pathlib import Path

FILE = Path("mal") / "namndsmal.yaml"

TEMPLATE = """\
# Barn- och utbildningsnämndens mål för {first}–{last} (syntetiskt demoexempel).
# Formatet beskrivs i docs/contracts.md, avsnittet "mal/". Filen läses in vid varje körning.
statusregel:
  uppfyllt_fran: 100   # uppfyllt från 100 % av målvärdet
  delvis_fran: 91      # delvis uppfyllt från 91 %, annars ej uppfyllt
  malstatus: flertal   # målets status: mer än hälften av måtten avgör
mal:
  - id: M1
    titel: Alla elever ska nå minst betyget E i alla ämnen
    beskrivning: Andelen elever i årskurs 9 som når kunskapskraven i alla ämnen ska öka i kommunen och på varje skola.
    period: {period}
    matt:
      - indikator: N15419
        maltyp: absolut
        malvarde: 90
      - indikator: N15419
        niva: skolenhet
        skolenhet: alla
        maltyp: absolut
        malvarde: 85
    aktiviteter:
      - aktivitet: Tidiga insatser i läsning och matematik i åk 1–3
        status: påbörjad
        ansvarig: Grundskoleavdelningen
      - aktivitet: Lovskola i årskurs 8 och 9
        status: genomförd
        ansvarig: Skolorna med årskurs 7–9
  - id: M2
    titel: Fler elever ska vara behöriga till gymnasiets yrkesprogram
    period: {period}
    matt:
      - indikator: N15436
        maltyp: battre_an_forra_aret
      - indikator: N15428
        maltyp: minst_liknande
    aktiviteter:
      - aktivitet: Studie- och yrkesvägledning från årskurs 7
        status: påbörjad
        ansvarig: Elevhälsan
  - id: M3
    titel: Eleverna ska lyckas minst lika bra som i riket
    beskrivning: Meritvärdet och andelen som når alla ämnen jämförs med riksgenomsnittet.
    period: {period}
    matt:
      - indikator: N15505
        maltyp: minst_riket
      - indikator: N15419
        maltyp: minst_riket
  - id: M4
    titel: Andelen elever som känner sig trygga ska öka
    period: {period}
    matt:
      - indikator: SKA_ENK_ELEV_TRYGGHET
        maltyp: forbattring
        antal_ar: 2
      - indikator: SKA_ENK_VH_TRYGGHET
        maltyp: forbattring
        antal_ar: 2
    aktiviteter:
      - aktivitet: Trygghetsvandringar med elevrådet på varje skola
        status: genomförd
        ansvarig: Rektorerna
      - aktivitet: Ny plan mot kränkande behandling
        status: försenad
        ansvarig: Grundskoleavdelningen
        kommentar: Skjuten till vårterminen i väntan på ny elevenkät
  - id: M5
    titel: Färre elever ska ha hög frånvaro
    period: {period}
    matt:
      - indikator: SKA_FRV_OVER15
        maltyp: absolut
        malvarde: 10
      - indikator: SKA_FRV_RAPPORTERAD
        maltyp: absolut
        malvarde: 95
    aktiviteter:
      - aktivitet: Närvaroteam som följer upp frånvaro över 15 %
        status: ej påbörjad
        ansvarig: Elevhälsan
  - id: M6
    titel: Meritvärdet ska öka på alla skolor
    period: {period}
    matt:
      - indikator: N15505
        niva: skolenhet
        skolenhet: alla
        maltyp: forbattring
        antal_ar: 2
  - id: M7
    titel: Pojkarnas resultat ska förbättras
    period: {period}
    matt:
      - indikator: N15505
        kon: M
        maltyp: battre_an_forra_aret
      - indikator: N15419
        kon: M
        maltyp: battre_an_forra_aret
    aktiviteter:
      - aktivitet: Läsfrämjande projekt för pojkar i årskurs 4–6
        status: avförd
        ansvarig: Skolbiblioteken
        kommentar: Ersatt av tidiga insatser i läsning (M1)
"""


def write_goals(landing_dir: Path, school_years: list[str]) -> Path:
    """Write the goals file for the last three of `school_years` ('2023/24', …); returns its path."""
    first, last = school_years[max(0, len(school_years) - 3)], school_years[-1]
    path = Path(landing_dir) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    period = first if first == last else f"{first}–{last}"
    path.write_text(TEMPLATE.format(first=first, last=last, period=period), encoding="utf-8")
    return path
