"""The default catalogue every organization starts with, in English and Spanish.

Ten CEM levers in four groups, three practices per lever, five maturity stages, the standard
Voice-of-Customer metrics and the default data sources. The lever names are our own (the
framework in DOMAIN.md publishes the grouping, not the names); every organization can rename,
describe and reorder them afterwards.

``install(org=...)`` is idempotent: rows are keyed on their code (stages on their level) and only
missing rows are created, so running it again creates nothing and never overwrites what an
organization has since renamed or retuned.

It lives in ``maturity`` because it spans ``cem_levers``, ``voc`` and ``maturity``, and maturity is
the highest of those in the import order (DESIGN.md, "Dependencies point one way").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from cem_levers.models import Lever, LeverGroup, Practice
from cxgov.tenancy.models import Organization
from voc.models import DataSource, Metric

from .models import Stage


@dataclass(frozen=True)
class Text:
    name_en: str
    name_es: str
    description_en: str
    description_es: str

    def fields(self) -> dict[str, str]:
        return {
            "name_en": self.name_en,
            "name_es": self.name_es,
            "description_en": self.description_en,
            "description_es": self.description_es,
        }


@dataclass(frozen=True)
class PracticeDef:
    code: str
    text: Text


@dataclass(frozen=True)
class LeverDef:
    code: str
    text: Text
    practices: tuple[PracticeDef, ...]


@dataclass(frozen=True)
class GroupDef:
    code: str
    text: Text
    levers: tuple[LeverDef, ...]


@dataclass(frozen=True)
class MetricDef:
    code: str
    text: Text
    kind: str
    method: str
    lever: str
    scale_min: Decimal | None = None
    scale_max: Decimal | None = None
    unit: str = ""
    higher_is_better: bool = True
    target: Decimal | None = None
    follow_up_threshold: Decimal | None = None
    min_n: int = 30


def _p(code: str, name_en: str, name_es: str, desc_en: str, desc_es: str) -> PracticeDef:
    return PracticeDef(code, Text(name_en, name_es, desc_en, desc_es))


GROUPS: tuple[GroupDef, ...] = (
    GroupDef(
        "strategy",
        Text(
            "Strategy", "Estrategia",
            "Why the company manages customer experience, where it wants to go and who decides on the way.",
            "Por qué la empresa gestiona la experiencia de cliente, adónde quiere llegar y quién decide en el camino.",
        ),
        (
            LeverDef(
                "cx_strategy",
                Text(
                    "CX strategy and vision", "Estrategia y visión CX",
                    "A customer experience vision tied to the business strategy, with explicit guidelines "
                    "(loyalty, cost to serve, customer lifetime value) and a budget whose return is tracked.",
                    "Una visión de experiencia de cliente ligada a la estrategia de negocio, con directrices "
                    "explícitas (lealtad, coste de servir, valor del cliente en el tiempo) y un presupuesto "
                    "cuyo retorno se sigue.",
                ),
                (
                    _p(
                        "cx_strategy.vision", "Shared CX vision", "Visión CX compartida",
                        "A short, written statement of the experience the company wants to deliver, agreed by "
                        "top management and used to decide between competing priorities.",
                        "Una declaración breve y escrita de la experiencia que la empresa quiere ofrecer, "
                        "acordada por la alta dirección y usada para decidir entre prioridades en conflicto.",
                    ),
                    _p(
                        "cx_strategy.business_case", "Business case and ROI", "Caso de negocio y ROI",
                        "Each CX objective is linked to a business outcome (retention, share of wallet, cost "
                        "to serve) with ROI indicators reviewed at least once a year.",
                        "Cada objetivo CX se vincula a un resultado de negocio (retención, cuota de cartera, "
                        "coste de servir) con indicadores de ROI revisados al menos una vez al año.",
                    ),
                    _p(
                        "cx_strategy.roadmap", "Transformation roadmap", "Hoja de ruta de transformación",
                        "A multi-year roadmap that plans short-term wins alongside medium and long-term "
                        "changes, and consolidates what works into the way the company operates.",
                        "Una hoja de ruta plurianual que planifica victorias tempranas junto a cambios a medio "
                        "y largo plazo, y consolida lo que funciona en la forma de operar de la empresa.",
                    ),
                ),
            ),
            LeverDef(
                "leadership_governance",
                Text(
                    "Leadership and governance", "Liderazgo y gobierno",
                    "Who decides and who does: an executive sponsor, a steering committee, a core CX team, "
                    "working groups and ambassadors, each with a mandate and a meeting rhythm.",
                    "Quién decide y quién ejecuta: un patrocinador ejecutivo, un comité de dirección, un "
                    "equipo CX central, grupos de trabajo y embajadores, cada uno con su mandato y su ritmo "
                    "de reuniones.",
                ),
                (
                    _p(
                        "leadership_governance.sponsorship", "Executive sponsorship", "Patrocinio ejecutivo",
                        "A named executive champions CX among peers, secures resources and removes blockers "
                        "that the CX team cannot remove alone.",
                        "Un directivo con nombre y apellidos defiende la experiencia de cliente ante sus pares, "
                        "consigue recursos y elimina bloqueos que el equipo CX no puede resolver solo.",
                    ),
                    _p(
                        "leadership_governance.bodies", "Governance bodies and RACI", "Órganos de gobierno y RACI",
                        "Each body has a mandate, members from the critical functions and a cadence; a RACI "
                        "makes clear who is in charge of what across the strategic, tactical and operational "
                        "levels.",
                        "Cada órgano tiene mandato, miembros de las funciones críticas y una cadencia; una "
                        "matriz RACI aclara quién se encarga de qué en los niveles estratégico, táctico y "
                        "operativo.",
                    ),
                    _p(
                        "leadership_governance.accountability", "Accountability in objectives",
                        "Responsabilidad en los objetivos",
                        "CX metrics are part of organisational and individual performance plans and of "
                        "budget decisions, not only of the CX team's scorecard.",
                        "Las métricas CX forman parte de los planes de desempeño de la organización y de las "
                        "personas, y de las decisiones de presupuesto, no solo del cuadro de mando del equipo CX.",
                    ),
                ),
            ),
        ),
    ),
    GroupDef(
        "customer",
        Text(
            "The customer", "El cliente",
            "Knowing who the customers are, what they need and how they judge the company.",
            "Saber quiénes son los clientes, qué necesitan y cómo juzgan a la empresa.",
        ),
        (
            LeverDef(
                "customer_understanding",
                Text(
                    "Customer understanding", "Conocimiento del cliente",
                    "Segments, buyer personas and research that explain what customers are trying to get "
                    "done, so decisions start from their context rather than from internal assumptions.",
                    "Segmentos, buyer personas e investigación que explican lo que los clientes intentan "
                    "conseguir, para que las decisiones partan de su contexto y no de supuestos internos.",
                ),
                (
                    _p(
                        "customer_understanding.segments", "Segments and personas", "Segmentos y buyer personas",
                        "Segments and personas are defined from data and research, kept current, and used "
                        "to prioritise journeys and initiatives.",
                        "Los segmentos y buyer personas se definen a partir de datos e investigación, se "
                        "mantienen al día y se usan para priorizar recorridos e iniciativas.",
                    ),
                    _p(
                        "customer_understanding.research", "Qualitative research", "Investigación cualitativa",
                        "Interviews, observation and empathy maps are run regularly, so the team hears the "
                        "why behind the scores.",
                        "Se realizan de forma periódica entrevistas, observación y mapas de empatía, para que "
                        "el equipo escuche el porqué detrás de las puntuaciones.",
                    ),
                    _p(
                        "customer_understanding.insights", "Insight sharing", "Difusión de insights",
                        "Insights are written up and distributed to the stakeholders of each journey, who "
                        "confirm what they will do with them.",
                        "Los insights se documentan y se distribuyen a los responsables de cada recorrido, que "
                        "confirman qué harán con ellos.",
                    ),
                ),
            ),
            LeverDef(
                "voc_measurement",
                Text(
                    "Voice of the customer and measurement", "Voz del cliente y medición",
                    "Listening at the touchpoints that matter, with consistent metrics (NPS, CSAT, CES) and "
                    "a loop that acts on what customers say, one customer and one root cause at a time.",
                    "Escuchar en los puntos de contacto que importan, con métricas coherentes (NPS, CSAT, "
                    "CES) y un circuito que actúa sobre lo que dicen los clientes, cliente a cliente y causa "
                    "raíz a causa raíz.",
                ),
                (
                    _p(
                        "voc_measurement.listening_posts", "Listening posts", "Puntos de escucha",
                        "Surveys, complaints and compliments, CRM and contact-centre data are collected at "
                        "the moments of truth of each journey, with a defined sample and frequency.",
                        "Encuestas, quejas y felicitaciones, datos del CRM y del centro de contacto se recogen "
                        "en los momentos de la verdad de cada recorrido, con una muestra y frecuencia definidas.",
                    ),
                    _p(
                        "voc_measurement.metrics", "Metric system", "Sistema de métricas",
                        "Each metric has one definition, scale and calculation method, a target and a minimum "
                        "sample, and is reported the same way in every dashboard.",
                        "Cada métrica tiene una sola definición, escala y método de cálculo, un objetivo y una "
                        "muestra mínima, y se reporta igual en todos los cuadros de mando.",
                    ),
                    _p(
                        "voc_measurement.closed_loop", "Closed loop", "Cierre del circuito",
                        "Unhappy customers are called back within an agreed time (inner loop) and recurring "
                        "root causes become improvement initiatives whose effect is measured (outer loop).",
                        "Los clientes insatisfechos reciben una llamada en un plazo acordado (circuito "
                        "interno) y las causas raíz recurrentes se convierten en iniciativas de mejora cuyo "
                        "efecto se mide (circuito externo).",
                    ),
                ),
            ),
        ),
    ),
    GroupDef(
        "brand_interaction",
        Text(
            "Brand, products and interaction", "Marca, productos e interacción",
            "What the company promises and how customers live it across journeys and channels.",
            "Lo que la empresa promete y cómo lo viven los clientes a lo largo de recorridos y canales.",
        ),
        (
            LeverDef(
                "experience_design",
                Text(
                    "Experience design", "Diseño de experiencias",
                    "Journey maps as-is and to-be per segment and product, and an iterative design practice "
                    "that tests changes with customers before rolling them out.",
                    "Mapas de recorrido actuales y deseados por segmento y producto, y una práctica de diseño "
                    "iterativa que prueba los cambios con clientes antes de desplegarlos.",
                ),
                (
                    _p(
                        "experience_design.journey_maps", "Journey maps", "Mapas de recorrido",
                        "The key journeys are mapped as they are today and as they should be, with their "
                        "stages, touchpoints and moments of truth, and each has an owner.",
                        "Los recorridos clave están mapeados tal como son hoy y como deberían ser, con sus "
                        "etapas, puntos de contacto y momentos de la verdad, y cada uno tiene un responsable.",
                    ),
                    _p(
                        "experience_design.prototyping", "Prototyping and testing", "Prototipado y pruebas",
                        "Changes are prototyped at low, medium or high fidelity and tested with real "
                        "customers before money is committed to them.",
                        "Los cambios se prototipan con fidelidad baja, media o alta y se prueban con clientes "
                        "reales antes de comprometer inversión.",
                    ),
                    _p(
                        "experience_design.service_blueprint", "Service blueprints", "Blueprints de servicio",
                        "Front-stage interactions are linked to the back-stage processes, systems and teams "
                        "that make them possible, so designs can actually be delivered.",
                        "Las interacciones visibles se enlazan con los procesos, sistemas y equipos internos "
                        "que las hacen posibles, para que los diseños puedan ejecutarse de verdad.",
                    ),
                ),
            ),
            LeverDef(
                "brand_promise",
                Text(
                    "Brand promise and value proposition", "Promesa de marca y propuesta de valor",
                    "A clear promise to each segment, products and services that keep it, and an experience "
                    "that is recognisably the brand's at every touchpoint.",
                    "Una promesa clara a cada segmento, productos y servicios que la cumplen, y una "
                    "experiencia reconocible como propia de la marca en cada punto de contacto.",
                ),
                (
                    _p(
                        "brand_promise.value_proposition", "Value proposition per segment",
                        "Propuesta de valor por segmento",
                        "Each segment has an explicit value proposition, and products are reviewed against it.",
                        "Cada segmento tiene una propuesta de valor explícita y los productos se revisan "
                        "frente a ella.",
                    ),
                    _p(
                        "brand_promise.promise_delivery", "Promise kept", "Promesa cumplida",
                        "Gaps between what marketing promises and what operations deliver are measured and "
                        "closed, starting with the moments of truth.",
                        "Las brechas entre lo que promete marketing y lo que entrega la operación se miden y "
                        "se cierran, empezando por los momentos de la verdad.",
                    ),
                    _p(
                        "brand_promise.product_feedback", "Customer-led product changes",
                        "Cambios de producto guiados por el cliente",
                        "Product terms, fees and features are revised using customer feedback and complaint "
                        "analysis, not only competitor benchmarks.",
                        "Condiciones, comisiones y funcionalidades de los productos se revisan con el feedback "
                        "de clientes y el análisis de quejas, no solo con la comparación con la competencia.",
                    ),
                ),
            ),
            LeverDef(
                "channels_interactions",
                Text(
                    "Channels and interactions", "Canales e interacciones",
                    "Branches, app, web, phone and chat working as one: customers can start in one channel "
                    "and finish in another without repeating themselves.",
                    "Oficinas, app, web, teléfono y chat funcionando como uno: el cliente puede empezar en "
                    "un canal y terminar en otro sin repetirse.",
                ),
                (
                    _p(
                        "channels_interactions.omnichannel", "Omnichannel continuity", "Continuidad omnicanal",
                        "The context of a request travels with the customer between channels, and hand-offs "
                        "are measured.",
                        "El contexto de una solicitud viaja con el cliente entre canales y los traspasos se miden.",
                    ),
                    _p(
                        "channels_interactions.service_levels", "Service levels", "Niveles de servicio",
                        "Response, abandonment and resolution targets exist per channel, are visible to the "
                        "teams and are met.",
                        "Existen objetivos de respuesta, abandono y resolución por canal, son visibles para "
                        "los equipos y se cumplen.",
                    ),
                    _p(
                        "channels_interactions.digital_self_service", "Digital self-service", "Autoservicio digital",
                        "The most frequent requests can be completed end to end in digital channels, and "
                        "failed self-service attempts are tracked and fixed.",
                        "Las solicitudes más frecuentes se pueden completar de principio a fin en canales "
                        "digitales, y los intentos fallidos de autoservicio se siguen y se corrigen.",
                    ),
                ),
            ),
        ),
    ),
    GroupDef(
        "internal_management",
        Text(
            "Internal management", "Gestión interna",
            "The processes, people and systems behind the experience.",
            "Los procesos, las personas y los sistemas que sostienen la experiencia.",
        ),
        (
            LeverDef(
                "processes_operations",
                Text(
                    "Processes and operations", "Procesos y operaciones",
                    "Value streams designed from the customer's side, with the effort, waiting and rework "
                    "that customers feel measured and removed.",
                    "Cadenas de valor diseñadas desde el lado del cliente, midiendo y eliminando el "
                    "esfuerzo, las esperas y los reprocesos que el cliente percibe.",
                ),
                (
                    _p(
                        "processes_operations.process_owners", "Process owners", "Responsables de proceso",
                        "Every process that touches customers has an owner who sees its customer metrics "
                        "and answers for them.",
                        "Cada proceso que toca al cliente tiene un responsable que ve sus métricas de cliente "
                        "y responde por ellas.",
                    ),
                    _p(
                        "processes_operations.root_cause", "Root-cause elimination", "Eliminación de causas raíz",
                        "Complaints and low scores are classified by root cause, and the most frequent causes "
                        "are removed from the process rather than handled case by case.",
                        "Las quejas y las puntuaciones bajas se clasifican por causa raíz, y las causas más "
                        "frecuentes se eliminan del proceso en lugar de atenderse caso a caso.",
                    ),
                    _p(
                        "processes_operations.partners", "Partners and suppliers", "Socios y proveedores",
                        "Outsourced services and suppliers that touch customers have experience targets in "
                        "their contracts and are reviewed against them.",
                        "Los servicios externalizados y proveedores que tocan al cliente tienen objetivos de "
                        "experiencia en sus contratos y se revisan frente a ellos.",
                    ),
                ),
            ),
            LeverDef(
                "people_culture",
                Text(
                    "People and culture", "Personas y cultura",
                    "Employees who understand the customer, are empowered to solve problems and are "
                    "recognised for it; the employee experience as the source of the customer experience.",
                    "Empleados que entienden al cliente, tienen autonomía para resolver problemas y son "
                    "reconocidos por ello; la experiencia del empleado como origen de la experiencia del cliente.",
                ),
                (
                    _p(
                        "people_culture.ambassadors", "CX ambassador network", "Red de embajadores CX",
                        "Employees at every level bring front-line information to the CX team and help carry "
                        "out changes in their areas.",
                        "Empleados de todos los niveles llevan la información de primera línea al equipo CX y "
                        "ayudan a ejecutar los cambios en sus áreas.",
                    ),
                    _p(
                        "people_culture.empowerment", "Front-line empowerment", "Autonomía en primera línea",
                        "Front-line staff have clear limits within which they can resolve a customer's "
                        "problem on the spot, without escalation.",
                        "El personal de primera línea tiene límites claros dentro de los cuales puede "
                        "resolver en el momento el problema de un cliente, sin escalarlo.",
                    ),
                    _p(
                        "people_culture.recognition", "Training and recognition", "Formación y reconocimiento",
                        "CX is part of onboarding and training, and customer-centred behaviour is recognised "
                        "in evaluations and rewards.",
                        "La experiencia de cliente forma parte de la acogida y la formación, y los "
                        "comportamientos centrados en el cliente se reconocen en evaluaciones e incentivos.",
                    ),
                ),
            ),
            LeverDef(
                "technology_data",
                Text(
                    "Technology and data", "Tecnología y datos",
                    "Systems that give one view of the customer and connect feedback to operational data, "
                    "so insight reaches the people who act on it in time.",
                    "Sistemas que ofrecen una visión única del cliente y conectan el feedback con los datos "
                    "operativos, para que el insight llegue a tiempo a quien debe actuar.",
                ),
                (
                    _p(
                        "technology_data.single_view", "Single customer view", "Visión única del cliente",
                        "CRM, core and channel systems share one customer identity, so every interaction "
                        "can be seen in context.",
                        "El CRM, el core y los sistemas de canal comparten una identidad única del cliente, "
                        "de modo que cada interacción puede verse en contexto.",
                    ),
                    _p(
                        "technology_data.feedback_integration", "Feedback integration", "Integración del feedback",
                        "Survey and complaint data flow automatically, with identifiers, into the systems "
                        "that analyse them and trigger follow-up.",
                        "Los datos de encuestas y quejas fluyen automáticamente, con identificadores, a los "
                        "sistemas que los analizan y disparan el seguimiento.",
                    ),
                    _p(
                        "technology_data.analytics", "CX analytics", "Analítica CX",
                        "Text and driver analysis relate experience metrics to behaviour such as attrition "
                        "and cross-selling.",
                        "El análisis de texto y de drivers relaciona las métricas de experiencia con "
                        "comportamientos como la fuga y la venta cruzada.",
                    ),
                ),
            ),
        ),
    ),
)

STAGES: tuple[tuple[int, Text], ...] = (
    (1, Text(
        "Explore", "Explorar",
        "The company is becoming aware of customer experience. Efforts are isolated and depend on "
        "individual goodwill; there is no shared definition, owner or measurement.",
        "La empresa empieza a tomar conciencia de la experiencia de cliente. Los esfuerzos son aislados y "
        "dependen de la buena voluntad de algunas personas; no hay definición, responsable ni medición "
        "compartidos.",
    )),
    (2, Text(
        "Define", "Definir",
        "A vision, a sponsor and a core team exist. Key journeys and metrics are defined and the first "
        "measurements are taken, but practice is still uneven across areas.",
        "Existen una visión, un patrocinador y un equipo central. Se definen los recorridos y las métricas "
        "clave y se toman las primeras mediciones, aunque la práctica aún es desigual entre áreas.",
    )),
    (3, Text(
        "Extend", "Extender",
        "The practices spread beyond the CX team: more areas measure, own touchpoints and run "
        "initiatives, and governance meets on a regular rhythm.",
        "Las prácticas se extienden más allá del equipo CX: más áreas miden, asumen puntos de contacto y "
        "ejecutan iniciativas, y el gobierno se reúne con un ritmo regular.",
    )),
    (4, Text(
        "Consolidate", "Consolidar",
        "Customer experience is part of how the company is managed: objectives, budgets and incentives "
        "include CX metrics, and the loop from feedback to action works routinely.",
        "La experiencia de cliente forma parte de la gestión de la empresa: objetivos, presupuestos e "
        "incentivos incluyen métricas CX, y el circuito del feedback a la acción funciona de forma rutinaria.",
    )),
    (5, Text(
        "Optimize", "Optimizar",
        "The company improves continuously from evidence, anticipates customer needs and uses the "
        "experience as a lasting competitive advantage.",
        "La empresa mejora de forma continua a partir de la evidencia, se anticipa a las necesidades de "
        "los clientes y usa la experiencia como una ventaja competitiva duradera.",
    )),
)

METRICS: tuple[MetricDef, ...] = (
    MetricDef(
        "nps",
        Text(
            "Net Promoter Score", "Net Promoter Score (NPS)",
            "How likely customers are to recommend us, 0–10. NPS = % promoters (9–10) − % detractors "
            "(0–6), from −100 to +100.",
            "Probabilidad de que el cliente nos recomiende, de 0 a 10. NPS = % promotores (9–10) − % "
            "detractores (0–6), de −100 a +100.",
        ),
        kind=Metric.Kind.NPS, method=Metric.Method.NPS, lever="voc_measurement",
        scale_min=Decimal("0"), scale_max=Decimal("10"),
        target=Decimal("30"), follow_up_threshold=Decimal("6"),
    ),
    MetricDef(
        "csat",
        Text(
            "Customer satisfaction (CSAT)", "Satisfacción del cliente (CSAT)",
            "Satisfaction with the interaction on a 1–5 scale; reported as the % of answers in the top "
            "two boxes (4–5).",
            "Satisfacción con la interacción en una escala de 1 a 5; se reporta como el % de respuestas "
            "en las dos casillas superiores (4–5).",
        ),
        kind=Metric.Kind.CSAT, method=Metric.Method.TOP2BOX, lever="voc_measurement",
        scale_min=Decimal("1"), scale_max=Decimal("5"),
        target=Decimal("80"), follow_up_threshold=Decimal("2"),
    ),
    MetricDef(
        "ces",
        Text(
            "Customer effort score (CES)", "Índice de esfuerzo del cliente (CES)",
            "Agreement with \"the company made it easy for me to handle my request\" on a 1–7 scale "
            "(7 = strongly agree); reported as the mean, so higher is better.",
            "Grado de acuerdo con \"la empresa me lo puso fácil para gestionar mi solicitud\" en una "
            "escala de 1 a 7 (7 = totalmente de acuerdo); se reporta como la media, así que más alto es mejor.",
        ),
        kind=Metric.Kind.CES, method=Metric.Method.MEAN, lever="voc_measurement",
        scale_min=Decimal("1"), scale_max=Decimal("7"), higher_is_better=True,
        target=Decimal("5.5"), follow_up_threshold=Decimal("3"),
    ),
    MetricDef(
        "abandonment_rate",
        Text(
            "Abandonment rate", "Tasa de abandono",
            "Share of started contacts or requests the customer abandoned before completion (each "
            "record 1 = abandoned, 0 = completed), shown as a percentage.",
            "Proporción de contactos o solicitudes iniciados que el cliente abandonó antes de terminar "
            "(cada registro 1 = abandonado, 0 = completado), expresada en porcentaje.",
        ),
        kind=Metric.Kind.RATE, method=Metric.Method.SHARE, lever="channels_interactions",
        scale_min=Decimal("0"), scale_max=Decimal("1"), unit=Metric.Unit.PERCENT,
        higher_is_better=False, target=Decimal("5"),
    ),
    MetricDef(
        "first_response_time",
        Text(
            "First response time", "Tiempo de primera respuesta",
            "Minutes from the customer's request to the first reply from a person; reported as the median "
            "so a few extreme cases do not hide the typical wait.",
            "Minutos desde la solicitud del cliente hasta la primera respuesta de una persona; se reporta "
            "la mediana para que unos pocos casos extremos no oculten la espera habitual.",
        ),
        kind=Metric.Kind.DURATION, method=Metric.Method.MEDIAN, lever="channels_interactions",
        scale_min=Decimal("0"), unit=Metric.Unit.MINUTES, higher_is_better=False, target=Decimal("15"),
    ),
    MetricDef(
        "resolution_time",
        Text(
            "Resolution time", "Tiempo de resolución",
            "Hours from the opening of a request or complaint to its resolution; reported as the median.",
            "Horas desde la apertura de una solicitud o reclamación hasta su resolución; se reporta la mediana.",
        ),
        kind=Metric.Kind.DURATION, method=Metric.Method.MEDIAN, lever="processes_operations",
        scale_min=Decimal("0"), unit=Metric.Unit.HOURS, higher_is_better=False, target=Decimal("48"),
    ),
)

DATA_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("api", "API", DataSource.Kind.API),
    ("manual", "Manual entry", DataSource.Kind.MANUAL),
    ("survey", "Surveys", DataSource.Kind.SURVEY),
    ("complaints", "Complaints and claims", DataSource.Kind.COMPLAINT),
)


def lever_codes() -> list[str]:
    """Codes of the default levers, in framework order."""
    return [lever.code for group in GROUPS for lever in group.levers]


def practice_codes() -> list[str]:
    """Codes of the default practices, in framework order."""
    return [p.code for group in GROUPS for lever in group.levers for p in lever.practices]


def _create_missing(model: type, org: Organization, key: str, wanted: list) -> dict:
    """Create the objects of ``wanted`` whose ``key`` is not in ``org`` yet; return all by key.

    One read, one bulk insert, one read back: a handful of queries per model rather than two per
    row, which matters because every organization created (including in every test) runs this.
    ``bulk_create`` skips ``TenantScoped.save()``; every reference here is built from rows of
    ``org`` read a line earlier, so the cross-organization guard has nothing to catch.
    """
    existing = set(model.objects.for_org(org).values_list(key, flat=True))
    missing = [obj for obj in wanted if getattr(obj, key) not in existing]
    if missing:
        model.objects.bulk_create(missing)
    return {getattr(obj, key): obj for obj in model.objects.for_org(org)}


@transaction.atomic
def install(*, org: Organization) -> None:
    """Install the default catalogue in ``org``; rows that exist (by code or level) are left untouched."""
    groups = _create_missing(LeverGroup, org, "code", [
        LeverGroup(organization=org, code=g.code, position=i, **g.text.fields())
        for i, g in enumerate(GROUPS, start=1)
    ])
    levers = _create_missing(Lever, org, "code", [
        Lever(organization=org, group=groups[g.code], code=lever.code, position=i, **lever.text.fields())
        for i, (g, lever) in enumerate(((g, lv) for g in GROUPS for lv in g.levers), start=1)
    ])
    _create_missing(Practice, org, "code", [
        Practice(organization=org, lever=levers[lever.code], code=p.code, position=i, **p.text.fields())
        for g in GROUPS for lever in g.levers for i, p in enumerate(lever.practices, start=1)
    ])
    _create_missing(Stage, org, "level", [
        Stage(organization=org, level=level, descriptor_en=STAGE_DESCRIPTORS[level][0],
              descriptor_es=STAGE_DESCRIPTORS[level][1], **text.fields())
        for level, text in STAGES
    ])
    _create_missing(Metric, org, "code", [
        Metric(
            organization=org, code=m.code, kind=m.kind, method=m.method, lever=levers.get(m.lever),
            scale_min=m.scale_min, scale_max=m.scale_max, unit=m.unit, higher_is_better=m.higher_is_better,
            target=m.target, follow_up_threshold=m.follow_up_threshold, min_n=m.min_n, **m.text.fields(),
        )
        for m in METRICS
    ])
    _create_missing(DataSource, org, "code", [
        DataSource(organization=org, code=code, name=name, kind=kind) for code, name, kind in DATA_SOURCES
    ])


# --- Stage descriptors: how a practice looks at each stage --------------------------------------
# One generic pattern per stage, shown under each stage's radio button next to the practice's own
# description ("what good looks like"). Writing five descriptors per practice would be 150+ texts
# per template; the pattern plus the practice description gives assessors the same anchor.

STAGE_DESCRIPTORS: dict[int, tuple[str, str]] = {
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


def _lever(code: str, name_en: str, name_es: str, desc_en: str, desc_es: str,
           *practices: PracticeDef) -> LeverDef:
    return LeverDef(code, Text(name_en, name_es, desc_en, desc_es), tuple(practices))


def _group(code: str, name_en: str, name_es: str, desc_en: str, desc_es: str, *levers: LeverDef) -> GroupDef:
    return GroupDef(code, Text(name_en, name_es, desc_en, desc_es), tuple(levers))


# --- Qualtrics XM Institute: six competencies, stages Investigate → Embed --------------------------
# Competency and stage names are the XM Institute's; groups, descriptions and practices are ours.

XMI_GROUPS: tuple[GroupDef, ...] = (
    _group(
        "xmi_direction", "Direction and value", "Dirección y valor",
        "Setting the experience strategy and proving what it is worth.",
        "Fijar la estrategia de experiencia y demostrar lo que vale.",
        _lever(
            "xmi_lead", "Lead", "Liderar",
            "Create and nurture a customer-centric strategy, with leaders who own it and resources that follow it.",
            "Crear y cuidar una estrategia centrada en el cliente, con líderes que la asumen y recursos que la siguen.",
            _p("xmi_lead.strategy", "Written XM strategy", "Estrategia XM escrita",
               "A written experience-management strategy, tied to the business goals, that leadership reviews "
               "every year and uses to set priorities.",
               "Una estrategia de gestión de la experiencia escrita, ligada a los objetivos de negocio, que la "
               "dirección revisa cada año y usa para fijar prioridades."),
            _p("xmi_lead.ownership", "Clear ownership", "Responsables claros",
               "An executive sponsor and a core team are named, with decision rights over the programme's "
               "scope, budget and roadmap.",
               "Hay un patrocinador ejecutivo y un equipo central designados, con capacidad de decisión sobre el "
               "alcance, el presupuesto y la hoja de ruta del programa."),
            _p("xmi_lead.leader_engagement", "Visible leadership", "Liderazgo visible",
               "Senior leaders talk about customers in their own meetings, review experience results and act "
               "on them.",
               "Los directivos hablan de clientes en sus propias reuniones, revisan los resultados de experiencia "
               "y actúan en consecuencia."),
        ),
        _lever(
            "xmi_realize", "Realize", "Realizar",
            "Track and drive the value of experience management: link experience data to business results.",
            "Seguir e impulsar el valor de la gestión de la experiencia: vincular los datos de experiencia con "
            "los resultados de negocio.",
            _p("xmi_realize.value_model", "Experience-to-value model", "Modelo experiencia-valor",
               "The link between experience metrics and retention, spend or cost to serve is quantified and "
               "refreshed at least once a year.",
               "El vínculo entre las métricas de experiencia y la retención, el gasto o el coste de servir está "
               "cuantificado y se actualiza al menos una vez al año."),
            _p("xmi_realize.initiative_benefits", "Benefits per initiative", "Beneficios por iniciativa",
               "Every experience initiative has an expected benefit and its delivered benefit is checked after "
               "launch.",
               "Cada iniciativa de experiencia tiene un beneficio esperado y el beneficio obtenido se comprueba "
               "tras el lanzamiento."),
        ),
    ),
    _group(
        "xmi_people", "People", "Personas",
        "Giving everyone the mindset and the skills to improve experiences.",
        "Dar a todas las personas la mentalidad y las habilidades para mejorar la experiencia.",
        _lever(
            "xmi_activate", "Activate", "Activar",
            "Instil the mindset and the skills for experience management in employees at every level.",
            "Inculcar la mentalidad y las habilidades de gestión de la experiencia en empleados de todos los "
            "niveles.",
            _p("xmi_activate.training", "Role-based training", "Formación por rol",
               "Leaders, managers and front-line staff get training on experience management matched to what "
               "their role does with it.",
               "Directivos, mandos y primera línea reciben formación en gestión de la experiencia adaptada a lo "
               "que cada rol hace con ella."),
            _p("xmi_activate.recognition", "Recognition and incentives", "Reconocimiento e incentivos",
               "Objectives, recognition and, where fitting, incentives reward improving the customer's and the "
               "employee's experience.",
               "Los objetivos, el reconocimiento y, cuando procede, los incentivos premian la mejora de la "
               "experiencia del cliente y del empleado."),
        ),
    ),
    _group(
        "xmi_insight_action", "Insight and action", "Conocimiento y acción",
        "Listening, understanding and acting on what customers and employees say.",
        "Escuchar, entender y actuar sobre lo que dicen clientes y empleados.",
        _lever(
            "xmi_enlighten", "Enlighten", "Iluminar",
            "Uncover insights and share them: listen across journeys, analyse and put findings in the right "
            "hands.",
            "Descubrir conocimiento y compartirlo: escuchar a lo largo de los recorridos, analizar y llevar los "
            "hallazgos a las manos adecuadas.",
            _p("xmi_enlighten.listening", "Listening across journeys", "Escucha a lo largo de los recorridos",
               "Feedback is collected at the moments of truth of the key journeys, combining surveys, "
               "complaints and operational data.",
               "Se recoge feedback en los momentos de la verdad de los recorridos clave, combinando encuestas, "
               "quejas y datos operativos."),
            _p("xmi_enlighten.distribution", "Insight distribution", "Distribución del conocimiento",
               "Each owner receives the insight about their touchpoints, in time and in a form they can act "
               "on.",
               "Cada responsable recibe el conocimiento sobre sus puntos de contacto, a tiempo y en un formato "
               "sobre el que pueda actuar."),
        ),
        _lever(
            "xmi_respond", "Respond", "Responder",
            "Act on insights at every level: close the loop with individuals and fix the systemic causes.",
            "Actuar sobre el conocimiento a todos los niveles: cerrar el ciclo con cada persona y corregir las "
            "causas sistémicas.",
            _p("xmi_respond.inner_loop", "Closing the inner loop", "Cierre del ciclo interno",
               "Unhappy customers are contacted by an owner within an agreed time, and the root cause is "
               "recorded when the case closes.",
               "Un responsable contacta a los clientes insatisfechos en un plazo acordado y registra la causa "
               "raíz al cerrar el caso."),
            _p("xmi_respond.outer_loop", "Fixing systemic issues", "Corrección de problemas sistémicos",
               "Recurring root causes become prioritised improvement initiatives, and their effect on the "
               "metric is checked after delivery.",
               "Las causas raíz recurrentes se convierten en iniciativas de mejora priorizadas y se comprueba su "
               "efecto en la métrica tras la entrega."),
        ),
    ),
    _group(
        "xmi_innovation", "Innovation", "Innovación",
        "Creating experiences that change what customers expect.",
        "Crear experiencias que cambian lo que los clientes esperan.",
        _lever(
            "xmi_disrupt", "Disrupt", "Disrumpir",
            "Create new experiences and business models from customer and employee insight.",
            "Crear nuevas experiencias y modelos de negocio a partir del conocimiento de clientes y empleados.",
            _p("xmi_disrupt.design", "Human-centred design", "Diseño centrado en las personas",
               "New or changed experiences are designed with customers: prototypes are tested before launch.",
               "Las experiencias nuevas o modificadas se diseñan con clientes: los prototipos se prueban antes "
               "del lanzamiento."),
            _p("xmi_disrupt.pipeline", "Innovation pipeline", "Cartera de innovación",
               "Unmet needs found in feedback feed a funded pipeline of experiments with clear stop-or-scale "
               "criteria.",
               "Las necesidades no cubiertas que aparecen en el feedback alimentan una cartera financiada de "
               "experimentos con criterios claros de parar o escalar."),
        ),
    ),
)

XMI_STAGES: tuple[tuple[int, Text], ...] = (
    (1, Text("Investigate", "Investigar",
             "The organization explores what experience management is and whether it needs it.",
             "La organización explora qué es la gestión de la experiencia y si la necesita.")),
    (2, Text("Initiate", "Iniciar",
             "First, isolated efforts start: a sponsor, a few surveys, pilots in one area.",
             "Empiezan los primeros esfuerzos aislados: un patrocinador, algunas encuestas, pilotos en un área.")),
    (3, Text("Mobilize", "Movilizar",
             "A formal programme with a team and a plan spreads to more areas.",
             "Un programa formal con equipo y plan se extiende a más áreas.")),
    (4, Text("Scale", "Escalar",
             "Experience management runs across the organization and is tied to business results.",
             "La gestión de la experiencia funciona en toda la organización y se vincula a resultados de "
             "negocio.")),
    (5, Text("Embed", "Integrar",
             "Experience management is simply how the organization works, every day and at every level.",
             "La gestión de la experiencia es simplemente la forma de trabajar de la organización, cada día y a "
             "todos los niveles.")),
)


# --- Forrester: six CX disciplines -----------------------------------------------------------------
# Discipline names are Forrester's; groups, descriptions and practices are ours.

FORRESTER_GROUPS: tuple[GroupDef, ...] = (
    _group(
        "fr_direction", "Direction", "Dirección",
        "What the company wants the experience to be, and how it decides.",
        "Qué experiencia quiere ofrecer la empresa y cómo decide.",
        _lever(
            "fr_strategy", "Strategy", "Estrategia",
            "A CX strategy that says which customers matter most and what experience the brand promises them.",
            "Una estrategia CX que dice qué clientes importan más y qué experiencia les promete la marca.",
            _p("fr_strategy.target_customers", "Prioritised customers", "Clientes priorizados",
               "The customers and journeys the company will serve best are chosen explicitly, from value and "
               "need.",
               "Se eligen de forma explícita los clientes y recorridos que la empresa atenderá mejor, según su "
               "valor y su necesidad."),
            _p("fr_strategy.brand_alignment", "Experience matches the brand", "Experiencia coherente con la marca",
               "The intended experience is written down and checked against the brand promise and the "
               "business strategy.",
               "La experiencia deseada está escrita y se contrasta con la promesa de marca y la estrategia de "
               "negocio."),
        ),
        _lever(
            "fr_governance", "Governance", "Gobierno",
            "Decision rights, processes and funding that keep CX work coordinated and accountable.",
            "Derechos de decisión, procesos y financiación que mantienen el trabajo CX coordinado y con "
            "responsables.",
            _p("fr_governance.operating_model", "CX operating model", "Modelo operativo CX",
               "Who decides, who executes and who is consulted on experience changes is defined (RACI) and "
               "respected.",
               "Está definido (RACI) y se respeta quién decide, quién ejecuta y a quién se consulta en los "
               "cambios de experiencia."),
            _p("fr_governance.portfolio", "Prioritised CX portfolio", "Cartera CX priorizada",
               "CX initiatives are prioritised and funded as one portfolio, with regular progress reviews.",
               "Las iniciativas CX se priorizan y financian como una única cartera, con revisiones periódicas "
               "del avance."),
        ),
    ),
    _group(
        "fr_insight", "Insight", "Conocimiento",
        "Knowing customers and measuring their experience.",
        "Conocer a los clientes y medir su experiencia.",
        _lever(
            "fr_customer_understanding", "Customer understanding", "Conocimiento del cliente",
            "Research that gives a shared, evidence-based picture of who customers are and what they need.",
            "Investigación que da una imagen compartida y basada en evidencia de quiénes son los clientes y qué "
            "necesitan.",
            _p("fr_customer_understanding.research", "Ongoing research", "Investigación continua",
               "Qualitative and quantitative research runs on a plan, not only when a project asks for it.",
               "La investigación cualitativa y cuantitativa sigue un plan, no solo cuando un proyecto la pide."),
            _p("fr_customer_understanding.personas_journeys", "Personas and journey maps",
               "Personas y mapas de recorrido",
               "Personas and journey maps built from research are shared and used in decisions.",
               "Las personas y los mapas de recorrido construidos con investigación se comparten y se usan en "
               "las decisiones."),
        ),
        _lever(
            "fr_measurement", "Measurement", "Medición",
            "Metrics of perception, behaviour and outcome that show how the experience is doing and why it "
            "matters.",
            "Métricas de percepción, comportamiento y resultado que muestran cómo va la experiencia y por qué "
            "importa.",
            _p("fr_measurement.framework", "CX measurement framework", "Marco de medición CX",
               "Perception metrics (NPS, CSAT, CES), behaviour and business outcomes are measured consistently "
               "per journey.",
               "Las métricas de percepción (NPS, CSAT, CES), el comportamiento y los resultados de negocio se "
               "miden de forma coherente por recorrido."),
            _p("fr_measurement.drivers", "Drivers and outcomes", "Palancas y resultados",
               "Analysis shows which parts of the experience drive the metrics and how the metrics drive "
               "revenue and cost.",
               "El análisis muestra qué partes de la experiencia mueven las métricas y cómo las métricas mueven "
               "ingresos y costes."),
        ),
    ),
    _group(
        "fr_delivery", "Delivery", "Ejecución",
        "Designing experiences and a culture that delivers them.",
        "Diseñar experiencias y una cultura que las hace realidad.",
        _lever(
            "fr_design", "Design", "Diseño",
            "A human-centred way of designing and improving experiences, applied across channels.",
            "Una forma centrada en las personas de diseñar y mejorar experiencias, aplicada en todos los "
            "canales.",
            _p("fr_design.process", "Design process with testing", "Proceso de diseño con pruebas",
               "Changes go through discovery, prototyping and testing with real customers before launch.",
               "Los cambios pasan por descubrimiento, prototipado y pruebas con clientes reales antes del "
               "lanzamiento."),
            _p("fr_design.standards", "Experience standards", "Estándares de experiencia",
               "Shared design principles and service standards keep the experience consistent across channels.",
               "Principios de diseño y estándares de servicio compartidos mantienen la experiencia coherente "
               "entre canales."),
        ),
        _lever(
            "fr_culture", "Culture", "Cultura",
            "Values, behaviours and systems that make employees focus on customers.",
            "Valores, comportamientos y sistemas que hacen que los empleados se centren en los clientes.",
            _p("fr_culture.hiring_training", "Hiring and training for customer focus",
               "Selección y formación con foco en el cliente",
               "Customer focus is part of hiring criteria, onboarding and ongoing training.",
               "El foco en el cliente forma parte de los criterios de selección, la acogida y la formación "
               "continua."),
            _p("fr_culture.rituals", "Customer rituals and recognition", "Rituales y reconocimiento",
               "Regular rituals (customer stories, listening sessions) and recognition keep customers present "
               "in daily work.",
               "Rituales periódicos (historias de clientes, sesiones de escucha) y el reconocimiento mantienen al "
               "cliente presente en el trabajo diario."),
        ),
    ),
)


# --- US federal OMB Circular A-11 §280: CX capacity assessment -------------------------------------
# Element names follow §280's capacity assessment; groups, descriptions and practices are ours.

OMB_GROUPS: tuple[GroupDef, ...] = (
    _group(
        "omb_foundations", "Foundations", "Fundamentos",
        "The leadership, structure and culture a customer experience programme stands on.",
        "El liderazgo, la estructura y la cultura sobre los que se apoya un programa de experiencia.",
        _lever(
            "omb_governance", "Governance", "Gobierno",
            "A designated CX leader, an action plan tied to the agency's strategy, and leadership that reviews "
            "it.",
            "Un responsable CX designado, un plan de acción ligado a la estrategia del organismo y una dirección "
            "que lo revisa.",
            _p("omb_governance.cx_lead", "Designated CX leader", "Responsable CX designado",
               "A senior CX leader is named, with authority, staff and budget to coordinate customer experience "
               "work.",
               "Hay un responsable CX de alto nivel designado, con autoridad, personal y presupuesto para "
               "coordinar el trabajo de experiencia."),
            _p("omb_governance.action_plan", "CX action plan", "Plan de acción CX",
               "A CX action plan with goals aligned to the strategic plan is published and reviewed by "
               "leadership at least yearly.",
               "Se publica un plan de acción CX con objetivos alineados con el plan estratégico y la dirección lo "
               "revisa al menos una vez al año."),
        ),
        _lever(
            "omb_org_culture", "Organization and culture", "Organización y cultura",
            "A workforce equipped and encouraged to serve the public well.",
            "Un equipo humano preparado y motivado para servir bien a la ciudadanía.",
            _p("omb_org_culture.workforce", "Skilled workforce", "Personal capacitado",
               "Staff are trained in customer service and human-centred design, and CX skills appear in job "
               "descriptions.",
               "El personal recibe formación en atención y en diseño centrado en las personas, y las "
               "competencias CX figuran en las descripciones de puesto."),
            _p("omb_org_culture.frontline_voice", "Front-line voice", "Voz de la primera línea",
               "Front-line employees have a channel to report customer pain points, and leadership answers "
               "them.",
               "Los empleados de primera línea tienen un canal para comunicar los problemas de los usuarios y la "
               "dirección les responde."),
        ),
    ),
    _group(
        "omb_understand", "Understand", "Comprender",
        "Knowing the public the agency serves and measuring their experience.",
        "Conocer a la ciudadanía a la que sirve el organismo y medir su experiencia.",
        _lever(
            "omb_measurement", "Measurement", "Medición",
            "Customer feedback collected, reported and used as A-11 §280 describes.",
            "Feedback de los usuarios recogido, publicado y utilizado como describe la sección 280 de la "
            "circular A-11.",
            _p("omb_measurement.a11_survey", "A-11 post-transaction survey", "Encuesta post-transacción A-11",
               "The standard questions (satisfaction, trust, effectiveness, ease, efficiency, equity, employee "
               "helpfulness) are asked after key transactions and reported every quarter.",
               "Las preguntas estándar (satisfacción, confianza, eficacia, facilidad, eficiencia, equidad, "
               "amabilidad del empleado) se formulan tras las transacciones clave y se reportan cada "
               "trimestre."),
            _p("omb_measurement.use_of_data", "Feedback used in decisions", "Feedback usado en las decisiones",
               "Feedback results are reviewed with programme owners and lead to documented improvements.",
               "Los resultados del feedback se revisan con los responsables de programa y dan lugar a mejoras "
               "documentadas."),
        ),
        _lever(
            "omb_customer_research", "Customer research", "Investigación de usuarios",
            "Research with the people the agency serves, including those hardest to reach.",
            "Investigación con las personas a las que sirve el organismo, incluidas las más difíciles de "
            "alcanzar.",
            _p("omb_customer_research.journeys", "Journey maps with the public", "Mapas de recorrido con la ciudadanía",
               "Journey maps of the main life events and services are built with real users, including "
               "underserved communities.",
               "Los mapas de recorrido de los principales hechos vitales y servicios se construyen con usuarios "
               "reales, incluidas las comunidades desatendidas."),
            _p("omb_customer_research.research_ops", "Research operations", "Operaciones de investigación",
               "Recruiting, consent, privacy and paperwork-burden rules for research are handled by a repeatable "
               "process.",
               "El reclutamiento, el consentimiento, la privacidad y las normas de carga administrativa de la "
               "investigación se gestionan con un proceso repetible."),
        ),
    ),
    _group(
        "omb_deliver", "Deliver", "Prestar",
        "Designing and improving services around people.",
        "Diseñar y mejorar los servicios en torno a las personas.",
        _lever(
            "omb_service_design", "Service design", "Diseño de servicios",
            "Services designed and improved iteratively with their users, across channels.",
            "Servicios diseñados y mejorados de forma iterativa con sus usuarios, en todos los canales.",
            _p("omb_service_design.iterative", "Iterative human-centred design",
               "Diseño iterativo centrado en las personas",
               "Services are prototyped and tested with users and improved in short cycles after launch.",
               "Los servicios se prototipan y prueban con usuarios y se mejoran en ciclos cortos tras el "
               "lanzamiento."),
            _p("omb_service_design.accessible", "Accessible, plain-language services",
               "Servicios accesibles y en lenguaje claro",
               "Forms and content meet accessibility standards and use plain language; digital and assisted "
               "channels give the same answer.",
               "Los formularios y contenidos cumplen los estándares de accesibilidad y usan lenguaje claro; los "
               "canales digitales y asistidos dan la misma respuesta."),
        ),
    ),
)


@dataclass(frozen=True)
class FrameworkDef:
    """A framework template: its groups with levers and practices, and the names of its stages."""

    code: str
    groups: tuple[GroupDef, ...]
    stages: tuple[tuple[int, Text], ...]


TEMPLATES: dict[str, FrameworkDef] = {
    "default": FrameworkDef("default", GROUPS, STAGES),
    "xmi": FrameworkDef("xmi", XMI_GROUPS, XMI_STAGES),
    # Forrester and A-11 publish no stage names of their own: they keep the default stages.
    "forrester": FrameworkDef("forrester", FORRESTER_GROUPS, STAGES),
    "omb_a11": FrameworkDef("omb_a11", OMB_GROUPS, STAGES),
    "custom": FrameworkDef("custom", (), STAGES),
}


def template_lever_codes(code: str) -> list[str]:
    """Codes of a template's levers, in framework order."""
    return [lever.code for group in TEMPLATES[code].groups for lever in group.levers]


def install_template(*, org: Organization, code: str) -> None:
    """Make ``code``'s groups, levers and practices the organization's active framework.

    Everything else is deactivated (never deleted: past answers and scores point at it). Rows the
    template already installed once (same code) are reactivated with their history and whatever
    the organization renamed since; missing rows are created after the existing ones. The stages
    are renamed to the template's, with the generic practice descriptors.
    """
    framework = TEMPLATES[code]
    wanted_groups = {g.code for g in framework.groups}
    wanted_levers = {lv.code for g in framework.groups for lv in g.levers}
    wanted_practices = {p.code for g in framework.groups for lv in g.levers for p in lv.practices}
    LeverGroup.objects.for_org(org).exclude(code__in=wanted_groups).update(is_active=False)
    Lever.objects.for_org(org).exclude(code__in=wanted_levers).update(is_active=False)
    LeverGroup.objects.for_org(org).filter(code__in=wanted_groups).update(is_active=True)
    Lever.objects.for_org(org).filter(code__in=wanted_levers).update(is_active=True)
    Practice.objects.for_org(org).filter(code__in=wanted_practices).update(is_active=True)

    group_base = (LeverGroup.objects.for_org(org).aggregate(m=Max("position"))["m"] or 0)
    groups = _create_missing(LeverGroup, org, "code", [
        LeverGroup(organization=org, code=g.code, position=group_base + i, **g.text.fields())
        for i, g in enumerate(framework.groups, start=1)
    ])
    levers = _create_missing(Lever, org, "code", [
        Lever(organization=org, group=groups[g.code], code=lever.code, position=i, **lever.text.fields())
        for i, (g, lever) in enumerate(((g, lv) for g in framework.groups for lv in g.levers), start=1)
    ])
    # The template's levers take positions 1..n again, whatever order they were left in.
    ordered = [levers[c] for c in template_lever_codes(code)]
    for i, lever in enumerate(ordered, start=1):
        lever.position = i
    Lever.objects.for_org(org).bulk_update(ordered, ["position"])
    _create_missing(Practice, org, "code", [
        Practice(organization=org, lever=levers[lever.code], code=p.code, position=i, **p.text.fields())
        for g in framework.groups for lever in g.levers for i, p in enumerate(lever.practices, start=1)
    ])
    stages = {s.level: s for s in Stage.objects.for_org(org)}
    for level, text in framework.stages:
        stage = stages.get(level) or Stage(organization=org, level=level)
        for name, value in text.fields().items():
            setattr(stage, name, value)
        stage.descriptor_en, stage.descriptor_es = STAGE_DESCRIPTORS[level]
        stage.save()
