"""Feedback import from files: reading CSV / Excel robustly (``parsing``), mapping columns to
response fields and previewing what each row becomes (``mapping``), and the import job's
services (``services``), which land every row through ``voc.services.responses_record``."""
