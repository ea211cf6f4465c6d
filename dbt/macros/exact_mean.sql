{#- The mean of `expr` over the group, summed exactly: each value fixed to 12 decimals (DECIMAL(18, 12), integers
    underneath) before it is added. A sum of doubles depends on the order DuckDB's threads add them in, so the same
    data gave means that differed in their last bits from run to run: enough to flip a value served rounded to 6
    decimals (pipelines/assets/serving.py) where the exact mean is a tie, as the means of survey indexes often are
    (storstad: 7.7734375 served as 7.773437 in one build and 7.773438 in the next). For values below 10^6 in
    magnitude (indexes, shares, percentages); the mean is a double. -#}
{% macro exact_mean(expr) -%}
    avg(({{ expr }})::decimal(18, 12))
{%- endmacro %}
