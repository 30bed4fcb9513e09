"""Chinese number formats as CLDR gives them (zh: #,##0.###): Django's own zh_Hans formats
group by ten thousand with no separator, which leaves 1234567 unreadable in a table."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
