"""Fill the practice descriptors of stages that organizations already have (the catalogue's text)."""

from django.db import migrations

# A copy of maturity.catalogue.STAGE_DESCRIPTORS at the time of writing: a migration must not
# change meaning when the catalogue is edited later.
DESCRIPTORS = {
    1: (
        "Not in place, or done ad hoc by a few people: no owner, no written method, results not tracked.",
        "No existe o se hace de forma puntual por unas pocas personas: sin responsable, sin método escrito "
        "y sin seguimiento de resultados.",
    ),
    2: (
        "Defined: an owner and a written method exist, and a first round has been done in one area or pilot.",
        "Definida: hay un responsable y un método escrito, y se ha hecho una primera ronda en un área o piloto.",
    ),
    3: (
        "Practised regularly in several areas with the shared method; results are measured and reported.",
        "Se practica con regularidad en varias áreas con el método común; los resultados se miden y se reportan.",
    ),
    4: (
        "Routine across the company and built into objectives, budgets and decisions; governance reviews "
        "the results.",
        "Es rutina en toda la empresa y forma parte de objetivos, presupuestos y decisiones; el gobierno CX "
        "revisa los resultados.",
    ),
    5: (
        "Continuously improved from evidence and benchmarks; it anticipates customer needs and other "
        "areas learn from it.",
        "Se mejora de forma continua a partir de la evidencia y de referencias externas; se anticipa a las "
        "necesidades del cliente y otras áreas aprenden de ella.",
    ),
}


def fill(apps, schema_editor):
    Stage = apps.get_model("maturity", "Stage")
    # Historical models have plain managers (no tenant scoping); this runs across organizations.
    for level, (en, es) in DESCRIPTORS.items():
        Stage.objects.filter(level=level, descriptor_en="").update(descriptor_en=en)
        Stage.objects.filter(level=level, descriptor_es="").update(descriptor_es=es)


class Migration(migrations.Migration):
    dependencies = [("maturity", "0003_settings_targets_evidence_files_fingerprints")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
