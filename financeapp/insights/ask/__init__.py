"""Ask in plain words: a question compiled to the reports' scoped services, offline, no language model.

periods (the date grammar) -> vocabulary (names, synonyms, fuzzy matching, learned aliases) ->
parser (question -> Query) -> answer (Query -> the report services -> Answer).
"""
