"""Enkäter: elev- och vårdnadshavarenkätens områden, andel positiva svar och index 0–10."""

from dashboards.indicator_page import render

render(
    "enkater",
    "Enkäter",
    "Kommunens egna elev- och vårdnadshavarenkäter: andel som svarat i de två mest positiva svarsalternativen "
    "(negativt formulerade frågor vända) och index 0–10 enligt Skolenkätens poängsättning, per område.",
    suppressed_text="..: resultatet redovisas inte (röjandekontroll): färre än 5 svarande, eller dolt för att "
    "ett sådant resultat inte ska kunna räknas fram ur de andra.",
    count_label="Antal svarande",
)
