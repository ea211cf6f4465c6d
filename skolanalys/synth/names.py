"""Word lists: pupils' names, languages and school names (all encodable in cp1252)."""

from __future__ import annotations

GIRL_NAMES = [
    "Alice", "Maja", "Elsa", "Astrid", "Wilma", "Freja", "Olivia", "Selma", "Alma", "Ebba", "Saga", "Vera",
    "Alva", "Stella", "Signe", "Ella", "Agnes", "Tyra", "Ines", "Linnéa", "Märta", "Ellen", "Juni", "Ester",
    "Åsa", "Elin", "Klara", "Greta", "Sigrid", "Lovisa",
]
BOY_NAMES = [
    "William", "Hugo", "Lucas", "Liam", "Oscar", "Elias", "Noah", "Adam", "Vincent", "Alexander", "Nils",
    "Olle", "Viggo", "Love", "Ludvig", "Axel", "Theo", "Gustav", "Måns", "Sixten", "Björn", "Arvid", "Leo",
    "Melvin", "Edvin", "Isak", "Albin", "Malte", "Sigge", "Örjan",
]
SURNAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
    "Gustafsson", "Pettersson", "Jönsson", "Jansson", "Hansson", "Bengtsson", "Lindberg", "Magnusson",
    "Lindström", "Olofsson", "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg",
    "Mattsson", "Sandberg", "Håkansson", "Åberg", "Sjöberg", "Löfgren", "Ström", "Ågren", "Nyström",
]
GIRL_NAMES_INTL = [
    "Fatima", "Amina", "Maryam", "Sara", "Hiba", "Noor", "Zahra", "Layla", "Olena", "Sofiia", "Hanna", "Aya",
]
BOY_NAMES_INTL = [
    "Mohammed", "Ali", "Ahmed", "Omar", "Yusuf", "Hassan", "Ibrahim", "Mustafa", "Bohdan", "Artem", "Karim",
    "Daniel",
]
SURNAMES_INTL = [
    "Ahmed", "Ali", "Hassan", "Mohammed", "Hussein", "Abdi", "Kovalenko", "Shevchenko", "Nowak", "Kowalski",
    "Hodzic", "Yilmaz", "Rahimi", "Karimi", "Haddad", "Nguyen",
]

# modersmål as written in the enrolment export -> language code used for ML in the grade export.
LANGUAGES = {
    "arabiska": "ARA", "somaliska": "SOM", "persiska": "PER", "dari": "PRS", "tigrinja": "TIR",
    "ukrainska": "UKR", "polska": "POL", "bosniska": "BOS", "engelska": "ENG", "spanska": "SPA",
    "finska": "FIN", "kurdiska": "KUR", "turkiska": "TUR", "albanska": "SQI",
}
# Languages of Swedish-born pupils with foreign background, and of arrivals in ordinary years.
LANGUAGE_WEIGHTS_SETTLED = {
    "arabiska": 0.28, "somaliska": 0.08, "persiska": 0.07, "polska": 0.08, "bosniska": 0.08,
    "engelska": 0.08, "spanska": 0.06, "finska": 0.08, "kurdiska": 0.07, "turkiska": 0.06,
    "albanska": 0.06,
}
# Arrival waves: 2015–2017 (Syria, Afghanistan, Eritrea) and 2022–2023 (Ukraine).
LANGUAGE_WEIGHTS_WAVE_2015 = {"arabiska": 0.5, "dari": 0.2, "tigrinja": 0.15, "somaliska": 0.1, "kurdiska": 0.05}
LANGUAGE_WEIGHTS_WAVE_2022 = {"ukrainska": 0.75, "arabiska": 0.1, "dari": 0.05, "polska": 0.1}
ARRIVAL_WAVES = {2015: 3.0, 2016: 2.5, 2017: 1.6, 2022: 2.5, 2023: 1.5}


def arrival_languages(year: int) -> dict[str, float]:
    if 2015 <= year <= 2017:
        return LANGUAGE_WEIGHTS_WAVE_2015
    if 2022 <= year <= 2023:
        return LANGUAGE_WEIGHTS_WAVE_2022
    return LANGUAGE_WEIGHTS_SETTLED

MODERN_LANGUAGES = {"SPA": 0.5, "TYS": 0.28, "FRA": 0.22}

SCHOOL_PREFIXES = [
    "Ek", "Björk", "Lind", "Tall", "Sol", "Ängs", "Sjö", "Berg", "Råby", "Lödde", "Hög", "Furu", "Al",
    "Vallby", "Kyrk", "Ros", "Hassel", "Sand", "Strand", "Mölle", "Tegel", "Kvarn", "Källe", "Lövs", "Gran",
    "Rönne", "Åker", "Skogs", "Ljung", "Fält",
]
SCHOOL_SUFFIXES = ["backe", "dal", "gård", "vik", "hög", "lund", "ås", "by", "äng", "berg", "bäck", "torp"]
