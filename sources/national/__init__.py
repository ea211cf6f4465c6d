"""Readers of national open data: Kolada, Skolverket, SIRIS exports, Skolenkäten."""
