"""Sizes and character of the synthetic municipalities."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    n_schools: int
    pupils: int  # pupils F–9 in one school year (roughly constant over the years)
    n_years: int  # school years written, ending with `last_school_year`
    last_school_year: str = "2025/26"  # the latest school year written (generate's argument overrides it)
    attendance_years: int = 1  # the latest school years that get lesson-level attendance
    newly_arrived_rate: float = 0.012  # per year: arrivals from abroad as a share of a grade's size
    foreign_background: float = 0.12  # share of Swedish-born entrants with another modersmål
    segregation: float = 0.6  # sd of the schools' socio-economic index (spread of parents' education)
    education_shift: float = 0.0  # + = more parents with eftergymnasial education than the country
    school_effect_sd: float = 8.0  # planted value added per school, meritvärde points
    pupils_per_chunk: int = 20_000  # attendance is generated per (month x chunk of pupils)
    # A real municipality whose published year-9 results the preset is calibrated to, per school year and
    # gender (skolanalys/synth/calibration.py, docs/demo_calibration.md); None = the latent model as it is.
    calibration: str | None = None
    # The planted school effects and the schools' socio-economic index centred on the pupils' intake (F–6
    # catchments, åk 7–9 intake), so that every seed is the same municipality on average and the seeds differ
    # by the pupils' draws only; False = centred on the schools, unweighted (the municipality's level varies).
    centred_schools: bool = False


PRESETS: dict[str, Preset] = {
    "liten": Preset("liten", n_schools=2, pupils=300, n_years=3, newly_arrived_rate=0.015),
    # Kävlinge-like: well-educated, little segregation, few newly arrived. Its ten school years end in the
    # latest one with real national results, and its year-9 results follow real Kävlinge's (the demo).
    "kavlinge": Preset(
        "kavlinge",
        n_schools=12,
        pupils=4_000,
        n_years=10,
        last_school_year="2024/25",
        attendance_years=3,
        calibration="kavlinge",
        centred_schools=True,
        newly_arrived_rate=0.008,
        foreign_background=0.10,
        segregation=0.45,
        education_shift=0.35,
    ),
    # A middle-sized municipality, made for following cohorts: ten school years (cohorts from åk 1 to åk 9,
    # several with åk 6 prior and åk 9 outcome) and 30 units with åk 9 (15 F–9, 15 7–9; 60 F–6 feeding them).
    "mellanstor": Preset(
        "mellanstor",
        n_schools=90,
        pupils=22_000,
        n_years=10,
        attendance_years=1,
        foreign_background=0.15,
        segregation=0.7,
        education_shift=0.05,
    ),
    # A large city: more newly arrived, more foreign background, strongly segregated.
    "storstad": Preset(
        "storstad",
        n_schools=140,
        pupils=100_000,
        n_years=5,
        newly_arrived_rate=0.02,
        foreign_background=0.25,
        segregation=0.9,
        education_shift=0.1,
    ),
}
