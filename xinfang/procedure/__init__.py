"""The procedure engine (layer 3): machines as data and the one function that moves any case.

A kind of case (a petition, a supervision, later a duty handover or an incident) declares a
`Machine`: its states, its steps (label, source states, target, capabilities, the party that may
act, guards, an input schema and an effect), how to lock a case through the caller's scope and
how to write the case's own timeline event. `engine.transition` does every state change of
every kind of case; `engine.allowed_actions` reads the same table. Nothing here knows a kind of
case: see docs/architecture.md for the two worked examples (petitions, supervision).
"""
