"""The demo network: Oakland Mutual Aid, four weeks of its life replayed through the services.

Everything a member can see in the demo was made the way a real network makes it: people join
with the invitation link, fill in their profiles, post needs and offers, offer help, accept,
start and confirm. Only the clock is simulated, so that needs were posted over the past weeks
instead of all in the same second; the states and the history log are the services' own.

The seed is deterministic (a fixed random seed) and takes a few seconds: the shared demo
password is hashed once and the same hash is given to every demo account.
"""

import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify
from huey.contrib.djhuey import HUEY

from mutualaid.channels.models import Notification
from mutualaid.channels.services import preferences_set
from mutualaid.core.geo import cell_for
from mutualaid.membership import services as membership
from mutualaid.needs import services as needs_services
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks import services as network_services
from mutualaid.networks.models import AVAILABILITY_SLOTS, Category, Member, Network, Skill
from mutualaid.relay import selectors as relay_selectors
from mutualaid.relay import services as relay_services
from mutualaid.sms.models import SmsPhone
from mutualaid.sms.selectors import number_hashes

DEMO_SLUG = "oakland-mutual-aid"
DEMO_EMAIL_DOMAIN = "demo.mutualaid.org"
DEMO_PASSWORD = "solidarity-not-charity"  # noqa: S105 - printed on purpose: demo accounts only
SEED = 1889  # any fixed number: the same demo every time


@dataclass(frozen=True)
class City:
    """A preset area: its centre, time zone and named neighbourhoods (name, lat, lng)."""

    key: str
    area_name: str
    lat: float
    lng: float
    timezone: str
    neighbourhoods: tuple[tuple[str, float, float], ...]


# Approximate centres of real Oakland neighbourhoods.
OAKLAND = City(
    key="oakland",
    area_name="Oakland, California",
    lat=37.8044,
    lng=-122.2712,
    timezone="America/Los_Angeles",
    neighbourhoods=(
        ("Adams Point", 37.8138, -122.2545),
        ("Brookfield", 37.7392, -122.1920),
        ("Chinatown", 37.7996, -122.2697),
        ("Dimond", 37.8012, -122.2148),
        ("Downtown", 37.8037, -122.2716),
        ("Eastlake", 37.7985, -122.2445),
        ("Elmhurst", 37.7480, -122.1850),
        ("Fruitvale", 37.7752, -122.2245),
        ("Grand Lake", 37.8112, -122.2470),
        ("Jingletown", 37.7803, -122.2340),
        ("Lake Merritt", 37.8027, -122.2583),
        ("Laurel", 37.7935, -122.2010),
        ("Longfellow", 37.8305, -122.2768),
        ("Montclair", 37.8290, -122.2120),
        ("Piedmont Avenue", 37.8245, -122.2545),
        ("Rockridge", 37.8440, -122.2515),
        ("San Antonio", 37.7905, -122.2385),
        ("Temescal", 37.8350, -122.2635),
        ("Uptown", 37.8095, -122.2680),
        ("West Oakland", 37.8105, -122.2885),
    ),
)
CITIES: dict[str, City] = {OAKLAND.key: OAKLAND}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    display_name: str
    role: str


# Rosa's verified number for text messages, as in the README's `mutualaid sms simulate`.
DEMO_SMS_NUMBER = "+15105550123"

DEMO_LOGINS = (
    DemoLogin(f"organiser@{DEMO_EMAIL_DOMAIN}", "Maya T.", "founding organiser"),
    DemoLogin(f"rosa@{DEMO_EMAIL_DOMAIN}", "Rosa M.", "asks for help (Spanish, English)"),
    DemoLogin(f"hugo@{DEMO_EMAIL_DOMAIN}", "Hugo B.", "helps: rides and repairs"),
)

# --- Who lives where, and which languages are spoken there (weights, not census figures).
HOOD_LANGUAGES: dict[str, dict[str, int]] = {
    "Adams Point": {"en": 8, "tl": 1, "ar": 1},
    "Brookfield": {"en": 6, "es": 3, "tl": 1},
    "Chinatown": {"zh": 13, "vi": 3, "en": 4},
    "Dimond": {"en": 11, "es": 7, "tl": 2},
    "Downtown": {"en": 14, "zh": 3, "es": 3},
    "Eastlake": {"vi": 6, "zh": 5, "en": 5, "es": 2, "ar": 2},
    "Elmhurst": {"es": 10, "en": 8, "tl": 2},
    "Fruitvale": {"es": 14, "en": 4, "vi": 1, "tl": 1},
    "Grand Lake": {"en": 17, "es": 3},
    "Jingletown": {"es": 12, "en": 8},
    "Lake Merritt": {"en": 14, "am": 2, "es": 2, "ar": 2},
    "Laurel": {"en": 10, "es": 6, "ar": 4},
    "Longfellow": {"en": 12, "am": 4, "es": 4},
    "Montclair": {"en": 18, "zh": 2},
    "Piedmont Avenue": {"en": 17, "zh": 3},
    "Rockridge": {"en": 18, "es": 2},
    "San Antonio": {"es": 7, "vi": 4, "zh": 4, "en": 3, "ar": 2},
    "Temescal": {"en": 13, "am": 4, "ar": 3},
    "Uptown": {"en": 16, "es": 4},
    "West Oakland": {"en": 15, "es": 4, "ar": 1},
}
# How many members each neighbourhood tends to have, relative to the others.
HOOD_WEIGHTS: dict[str, int] = {
    "Fruitvale": 6,
    "San Antonio": 4,
    "Chinatown": 4,
    "Eastlake": 3,
    "West Oakland": 3,
    "Temescal": 3,
    "Elmhurst": 3,
    "Lake Merritt": 3,
}

# fmt: off
FIRST_NAMES: dict[str, list[str]] = {
    "en": [
        "Jasmine", "Marcus", "Keisha", "Tom", "Aisha", "Devon", "Priya", "Sam", "Nora",
        "Andre", "Beth", "Kenji", "Olivia", "Darnell", "Grace", "Ruth", "Isaac", "Tanya",
        "Leo", "Zoe", "Frank", "Imani", "Caleb", "Hannah", "Jamal", "Lena", "Owen", "Tasha",
    ],
    "es": [
        "Luis", "Guadalupe", "Carmen", "Javier", "Maribel", "Ernesto", "Lucía", "Alejandro",
        "Yesenia", "Marisol", "Rogelio", "Esperanza", "Héctor", "Itzel", "Ramón", "Alma",
    ],
    "zh": ["Wei", "Mei Ling", "Jun", "Xiu Ying", "Kwok Wai", "Li Na", "Siu Fong", "Ming"],
    "vi": ["Lan", "Minh", "Thu", "Quang", "Hoa", "Tuan"],
    "tl": ["Maricel", "Jomar", "Ligaya", "Rodel", "Cristina"],
    "ar": ["Amira", "Yusuf", "Fatima", "Khaled", "Nadia"],
    "am": ["Selam", "Dawit", "Hiwot", "Tesfaye"],
}
# fmt: on
LAST_INITIALS = "ABCDEFGHJKLMNOPRSTVWY"

# --- What people ask for, in the language they would write it in.
NEED_TEXTS: dict[str, dict[str, list[str]]] = {
    "groceries": {
        "en": [
            "Groceries for my family this week: rice, beans, milk, eggs. I can pay for the "
            "food, I just can't get to the store.",
            "Recovering from surgery and can't carry heavy bags. A small grocery run from the "
            "Grocery Outlet would help a lot.",
            "Could someone pick up a food bank box for me on Saturday? I work until 6.",
        ],
        "es": [
            "Necesito despensa para la semana: arroz, frijoles, leche y huevos. No puedo ir a "
            "la tienda.",
            "¿Alguien me puede recoger una caja del banco de comida el sábado? Trabajo hasta "
            "las 6.",
        ],
        "zh": ["這星期需要幫忙買菜：米、雞蛋、青菜。我腳不好，拿不動。"],
        "vi": ["Cần người đi chợ giúp tuần này: gạo, trứng, rau. Tôi không mang nặng được."],
        "tl": [
            "Kailangan ko ng tulong sa pamimili ngayong linggo: bigas, itlog, gatas. Hindi ko "
            "kayang magbuhat."
        ],
        "ar": ["أحتاج مساعدة في شراء البقالة هذا الأسبوع: أرز وحليب وبيض."],
    },
    "meals": {
        "en": [
            "Two hot meals a week for my dad, who lives alone. He's diabetic, so low sugar please.",
            "New baby at home and we're exhausted. A few dinners would mean the world.",
            "Vegetarian meals for a couple of days while I'm on chemo.",
        ],
        "es": [
            "Comidas calientes para mi papá, que vive solo. Es diabético, por favor sin mucha "
            "azúcar.",
            "Acabamos de tener un bebé y estamos agotados. Unas cenas nos ayudarían muchísimo.",
        ],
        "zh": ["我剛做完手術，需要幾頓簡單的飯菜，不要太鹹。"],
        "vi": ["Mẹ tôi vừa xuất viện, cần vài bữa cơm nấu sẵn trong tuần."],
        "tl": ["Bagong panganak ang asawa ko. Malaking tulong ang ilang lutong ulam."],
        "ar": ["أمي خرجت من المستشفى وتحتاج وجبات مطبوخة لبضعة أيام."],
    },
    "rides": {
        "en": [
            "Ride to Highland Hospital for a 9am appointment on Thursday, and back home.",
            "Ride to the DMV on Claremont Avenue; my appointment is at 10:30.",
            "Rides to my kids' school in the mornings this week while my car is in the shop.",
        ],
        "es": [
            "Un aventón al Highland Hospital el jueves a las 9 de la mañana, ida y vuelta.",
            "Necesito quien lleve a mis hijos a la escuela esta semana; mi carro está en el "
            "taller.",
        ],
        "zh": ["星期四早上九點要去Highland醫院看病，需要有人接送。"],
        "vi": ["Cần người chở đi khám bệnh ở bệnh viện Highland vào sáng thứ Năm."],
        "tl": ["Kailangan ko ng masasakyan papuntang Highland Hospital sa Huwebes ng umaga."],
        "ar": ["أحتاج توصيلة إلى مستشفى هايلاند صباح الخميس."],
    },
    "childcare": {
        "en": [
            "Someone to watch my two kids (4 and 7) on Tuesday evening while I'm at a night class.",
            "After-school pickup for my daughter at 3pm, two days this week.",
            "A babysitter for a few hours on Saturday so I can go to a job interview.",
        ],
        "es": [
            "Alguien que cuide a mis dos niños (4 y 7 años) el martes en la noche mientras voy "
            "a clase.",
            "Necesito quien cuide a mi hija unas horas el sábado para ir a una entrevista de "
            "trabajo.",
        ],
        "zh": ["星期六下午需要有人幫忙照顧我的孫子，大約三個小時。"],
        "vi": ["Cần người trông hai cháu nhỏ tối thứ Ba, khoảng ba tiếng."],
        "tl": ["Kailangan ko ng magbabantay sa dalawa kong anak sa Sabado ng hapon."],
        "ar": ["أحتاج من يعتني بطفليّ مساء الثلاثاء لمدة ثلاث ساعات."],
    },
    "prescriptions": {
        "en": [
            "Pick up a prescription at the Walgreens on Broadway. It's paid for, it just needs "
            "collecting.",
            "My insulin is ready at the pharmacy but I can't leave the house with my ankle.",
            "Pick up my mom's heart medication from the pharmacy on MacArthur.",
        ],
        "es": [
            "Recoger una receta en la farmacia de Fruitvale; ya está pagada.",
            "Mi insulina está lista en la farmacia pero no puedo salir por mi tobillo.",
        ],
        "zh": ["請幫我到百老匯街的藥房取藥，已經付款了。"],
        "vi": ["Nhờ lấy thuốc ở nhà thuốc giúp tôi, thuốc đã trả tiền rồi."],
        "tl": ["Pakikuha po ang gamot ko sa botika; bayad na po."],
        "ar": ["أرجو استلام دوائي من الصيدلية، تم الدفع مسبقًا."],
    },
    "medical-accompaniment": {
        "en": [
            "Someone to come with me to an oncology appointment and take notes.",
            "Company at my follow-up at the hospital. I get anxious in waiting rooms.",
            "Someone to sit with my father during his dialysis on Friday morning.",
        ],
        "es": [
            "Alguien que me acompañe a la cita de mi mamá en La Clínica y nos ayude a interpretar.",
            "Compañía para una cita médica; me pongo nerviosa en los hospitales.",
        ],
        "zh": ["需要會說廣東話和英文的人陪我去看醫生，幫忙翻譯。"],
        "vi": ["Cần người biết tiếng Việt và tiếng Anh đi cùng tôi đến bác sĩ để thông dịch."],
        "tl": ["Kailangan ko ng kasama sa pagpapatingin sa doktor sa susunod na linggo."],
        "ar": ["أحتاج شخصًا يتكلم العربية والإنجليزية ليرافقني إلى الطبيب ويترجم."],
    },
    "housing": {
        "en": [
            "Help moving boxes out of my apartment; I've been given 30 days' notice.",
            "A couch or spare room for 2 or 3 nights while the heating in my building is fixed.",
            "Help filling in a rental assistance application online.",
        ],
        "es": [
            "Ayuda para llenar la solicitud de asistencia de renta en línea.",
            "Ayuda para mover cajas; me dieron aviso de 30 días para dejar el departamento.",
        ],
        "zh": ["房東要加租，需要有人幫我看懂英文的通知信。"],
        "vi": ["Cần giúp điền đơn xin trợ cấp tiền nhà trên mạng."],
        "tl": ["Kailangan ko ng tulong sa paglilipat ng mga kahon sa bagong apartment."],
        "ar": ["أحتاج مساعدة في تعبئة طلب مساعدة الإيجار على الإنترنت."],
    },
    "money": {
        "en": [
            "I'm $180 short on my PG&E bill after my hours were cut, and the shutoff notice came.",
            "$60 for a Clipper card top-up so I can get to my new job until the first paycheck.",
            "Help paying for my son's school field trip, $45.",
        ],
        "es": [
            "Me faltan $180 para el recibo de PG&E; me llegó el aviso de corte.",
            "Ayuda con $45 para la excursión escolar de mi hijo.",
        ],
        "zh": ["這個月的電費不夠，差一百二十元。"],
        "vi": ["Tôi thiếu 150 đô để trả tiền điện tháng này."],
        "tl": ["Kulang ako ng $100 para sa bayad sa kuryente ngayong buwan."],
        "ar": ["ينقصني 120 دولارًا لدفع فاتورة الكهرباء هذا الشهر."],
    },
    "peer-support": {
        "en": [
            "I'd love someone to talk to once a week. It's been lonely since my wife passed.",
            "Looking for someone who has been through a layoff to talk through next steps.",
            "New to Oakland and I don't know anyone yet. A walk around the lake would help.",
        ],
        "es": [
            "Me gustaría hablar con alguien una vez por semana. Me siento muy sola desde que "
            "llegué.",
            "Busco a alguien con quien platicar sobre cómo buscar trabajo después de un despido.",
        ],
        "zh": ["一個人住，很少出門，希望有人每星期打電話聊聊天。"],
        "vi": ["Tôi sống một mình, muốn có người nói chuyện mỗi tuần."],
        "tl": ["Gusto ko sanang may makausap paminsan-minsan. Malungkot mag-isa."],
        "ar": ["أعيش وحدي وأتمنى أن أجد من أتحدث معه مرة في الأسبوع."],
    },
    "errands": {
        "en": [
            "Mail a package at the post office for me.",
            "Drop off library books and pick up two holds at the Main Library.",
            "Return a broken space heater to the store in Emeryville.",
        ],
        "es": [
            "Enviar un paquete en la oficina de correos.",
            "Devolver unos libros a la biblioteca César Chávez y recoger dos reservas.",
        ],
        "zh": ["請幫我到郵局寄一個包裹。"],
        "vi": ["Nhờ gửi một gói hàng ở bưu điện giúp tôi."],
        "tl": ["Pakihulog po ang sulat at pakete sa post office."],
        "ar": ["أرجو إرسال طرد من مكتب البريد."],
    },
    "repairs": {
        "en": [
            "The kitchen sink leaks under the cabinet. I have the part, I need someone handy.",
            "My bike needs a new inner tube and a brake adjustment; I ride it to work.",
            "The window latch is broken in my ground-floor apartment and it doesn't feel safe.",
        ],
        "es": [
            "El fregadero de la cocina gotea. Ya tengo la pieza, necesito a alguien que sepa "
            "arreglarlo.",
            "La cerradura de la ventana está rota; vivo en planta baja y no me siento segura.",
        ],
        "zh": ["家裡的暖爐壞了，晚上很冷，需要有人來看看。"],
        "vi": ["Bồn rửa trong bếp bị rò nước, cần người sửa giúp."],
        "tl": ["Sira ang gripo sa banyo, tumutulo buong araw."],
        "ar": ["حنفية المطبخ تسرّب الماء وأحتاج من يصلحها."],
    },
    "disaster-relief": {
        "en": [
            "Smoke from the fires is bad. We need N95 masks and an air purifier filter for my "
            "son, who has asthma.",
            "We lost power in the storm and the food in the fridge spoiled. Help restocking?",
            "Water came into the basement in the storm; I need help moving things out and "
            "drying it.",
        ],
        "es": [
            "Por el humo de los incendios necesito mascarillas N95 y un filtro de aire para mi "
            "hijo con asma.",
            "Se fue la luz en la tormenta y se echó a perder la comida del refrigerador.",
        ],
        "zh": ["山火的煙很大，需要N95口罩和空氣淨化機的濾網。"],
        "vi": ["Khói cháy rừng nhiều quá, cần khẩu trang N95 cho cả nhà."],
        "tl": ["Nawalan kami ng kuryente sa bagyo at nasira ang pagkain sa ref."],
        "ar": ["الدخان من الحرائق كثيف، نحتاج كمامات N95 لأطفالنا."],
    },
}

# --- What people give: (category, kind, language, title, details).
# fmt: off
OFFER_TEXTS: list[tuple[str, str, str, str, str]] = [
    ("groceries", "time", "en", "Weekly grocery runs",
     "I shop at the Grocery Outlet on Saturday mornings and can carry for two households."),
    ("groceries", "time", "en", "Food bank pickups",
     "I volunteer at the food bank on Wednesdays and can bring a box back."),
    ("groceries", "time", "es", "Hago mandados al súper los sábados",
     "Puedo comprar para una o dos familias más."),
    ("meals", "skill", "en", "Home-cooked dinners, vegetarian options",
     "I cook big batches on Sundays and can bring 3 or 4 portions."),
    ("meals", "skill", "en", "Soup for anyone who's sick", "Chicken or vegetable, your pick."),
    ("meals", "skill", "zh", "煮粥和湯", "每星期可以煮兩次，送到唐人街附近。"),
    ("meals", "skill", "es", "Comida casera",
     "Puedo cocinar para una familia dos veces por semana."),
    ("rides", "time", "en", "Rides to appointments",
     "Weekday mornings, anywhere between East Oakland and Highland or Kaiser."),
    ("rides", "time", "en", "Wheelchair-accessible van rides",
     "Ramp van, please book a day ahead."),
    ("rides", "time", "es", "Aventones a citas médicas",
     "Tengo carro los martes y jueves por la mañana."),
    ("childcare", "skill", "en", "Babysitting in the evenings",
     "Former preschool teacher, CPR certified."),
    ("childcare", "time", "en", "After-school pickups", "I pick up my own kids at 3 anyway."),
    ("childcare", "time", "es", "Cuido niños los fines de semana", "Tengo experiencia con bebés."),
    ("prescriptions", "time", "en", "Pharmacy pickups on my way home",
     "I pass Broadway and MacArthur every evening."),
    ("prescriptions", "time", "vi", "Lấy thuốc giúp ở nhà thuốc",
     "Buổi chiều các ngày trong tuần."),
    ("medical-accompaniment", "skill", "es", "Interpretación español–inglés en citas",
     "Intérprete médica jubilada."),
    ("medical-accompaniment", "time", "en", "Company at medical visits",
     "I'll sit with you, take notes and ask the questions you want asked."),
    ("medical-accompaniment", "skill", "zh", "陪同看醫生，廣東話翻譯", "平日下午有空。"),
    ("medical-accompaniment", "skill", "vi", "Đi cùng khám bệnh, thông dịch tiếng Việt",
     "Tôi rảnh buổi sáng."),
    ("housing", "space", "en", "Spare room for short stays",
     "One room, up to 3 nights, no pets (cat allergy)."),
    ("housing", "time", "en", "Help with moves, I have a pickup truck",
     "Weekends. Bring a friend for the heavy stuff."),
    ("housing", "skill", "en", "Help with rental assistance forms",
     "I've done dozens of these; bring your documents."),
    ("money", "item", "en", "Small grants from our household's mutual aid budget",
     "Up to $50 a month, no questions asked."),
    ("money", "item", "en", "Bill help, up to $100", "Once a month, paid straight to the bill."),
    ("peer-support", "time", "en", "A listening ear, weekly phone calls",
     "Trained peer listener. Evenings."),
    ("peer-support", "time", "en", "Walks around Lake Merritt",
     "Sunday mornings, slow pace, all welcome."),
    ("peer-support", "time", "ar", "أستمع إليك", "مكالمة أسبوعية بالعربية أو الإنجليزية."),
    ("errands", "time", "en", "Post office and library runs", "Lunchtime on weekdays, downtown."),
    ("errands", "time", "tl", "Tutulong sa mga lakad", "Tuwing Sabado ng umaga."),
    ("repairs", "skill", "en", "Basic plumbing and fixing things",
     "Leaks, latches, shelves. I bring my own tools."),
    ("repairs", "skill", "en", "Bike repair", "Flats, brakes and chains, at your door."),
    ("repairs", "item", "en", "Tool library: drills, ladders, a wet vac",
     "Borrow for a week; pick up in Temescal."),
    ("disaster-relief", "item", "en", "Spare N95 masks and air purifier filters",
     "A box of masks and two 20x20 filters."),
    ("disaster-relief", "item", "en", "Generator and extension cords to lend",
     "Quiet inverter generator, 2000W."),
    ("disaster-relief", "time", "en", "Storm clean-up crew",
     "Four of us with shovels and a wet vac."),
  ]
# fmt: on
HELP_MESSAGES = {
    "en": ["I can do this on Saturday morning.", "Happy to help, I'm close by.", ""],
    "es": ["Puedo el sábado por la mañana.", "Con gusto, vivo cerca.", ""],
    "zh": ["我星期六早上可以。", ""],
    "vi": ["Tôi có thể giúp vào sáng thứ Bảy.", ""],
    "tl": ["Kaya ko po sa Sabado ng umaga.", ""],
    "ar": ["أستطيع المساعدة صباح السبت.", ""],
    "am": ["I can help on Saturday morning.", ""],
}
STREETS = ["International Blvd", "Foothill Blvd", "E 12th St", "Telegraph Ave", "MacArthur Blvd"]

# How the 150 needs stand today. Open needs are the biggest share, as in a real network.
NEED_COUNT = 150
OFFER_COUNT = 82
MEMBER_COUNT = 64  # including the three demo logins
STATE_MIX = {"done": 32, "in_progress": 10, "accepted": 14, "closed": 6, "proposed": 24}
APPLICATION_QUESTIONS = [
    "How did you hear about us?",
    "What would you like to give, or ask for?",
]


@dataclass
class DemoSummary:
    network: Network
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def demo_network() -> Network | None:
    return Network.objects.filter(slug=DEMO_SLUG).first()


def demo_reset() -> None:
    """Remove the demo network and every demo account, and nothing else."""
    with transaction.atomic():
        # Demo teardown, not a domain operation: the whole network goes, with its rows. Needs
        # and offers first, as they protect the categories the network would take with it.
        Need.objects.filter(network__slug=DEMO_SLUG).delete()
        Offer.objects.filter(network__slug=DEMO_SLUG).delete()
        Network.objects.filter(slug=DEMO_SLUG).delete()
        User.objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}").delete()


def demo_seed(*, reset: bool = False) -> DemoSummary:
    """Build the demo network unless it exists (or rebuild it with reset=True)."""
    if reset:
        demo_reset()
    existing = demo_network()
    if existing is not None:
        return DemoSummary(network=existing, created=False, counts=demo_counts(existing))
    with _notifications_discarded(), _simulated_clock() as clock:
        with transaction.atomic():
            network = _Builder(clock).build()
    return DemoSummary(network=network, created=True, counts=demo_counts(network))


def demo_counts(network: Network) -> dict[str, int]:
    needs = Need.objects.filter(network=network)
    return {
        "members": Member.objects.filter(network=network).count(),
        "needs": needs.count(),
        "open_needs": needs.filter(status=Need.Status.OPEN).count(),
        "offers": Offer.objects.filter(network=network).count(),
        "matches_done": Match.objects.filter(need__network=network, state=Match.State.DONE).count(),
    }


class _Clock:
    """Stands in for django.utils.timezone.now while the demo's past is replayed."""

    def __init__(self) -> None:
        self.real_now = timezone.now()
        self.at = self.real_now

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> datetime:
        # Never in the future, and never backwards: each step happens after the one before.
        self.at = min(at, self.real_now - timedelta(minutes=1))
        return self.at

    def advance(self, low_minutes: int, high_minutes: int, rng: random.Random) -> datetime:
        return self.set(self.at + timedelta(minutes=rng.randint(low_minutes, high_minutes)))


@contextmanager
def _simulated_clock() -> Iterator[_Clock]:
    clock = _Clock()
    with mock.patch.object(timezone, "now", clock):
        yield clock


@contextmanager
def _notifications_discarded() -> Iterator[None]:
    """Run the seed's notification tasks at once and throw their emails away, instead of
    leaving a few hundred emails queued for the worker to print when the demo starts."""
    was_immediate = HUEY.immediate
    quiet = [logging.getLogger(name) for name in ("mutualaid", "huey")]
    levels = [logger.level for logger in quiet]
    HUEY.immediate = True
    for logger in quiet:
        logger.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            yield
    finally:
        HUEY.immediate = was_immediate
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


def demo_accounts_create(emails: list[str]) -> dict[str, User]:
    """Accounts with verified email addresses, all sharing one hash of DEMO_PASSWORD."""
    password_hash = make_password(DEMO_PASSWORD)
    users = User.objects.bulk_create(
        User(username=email, email=email, password=password_hash) for email in emails
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    return {user.email: user for user in users}


@dataclass
class _Person:
    email: str
    display_name: str
    hood: str
    languages: list[str]
    member: Member | None = None
    offers: list[Offer] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.languages[0]


class _Builder:
    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.rng = random.Random(SEED)
        self.start = clock.real_now - timedelta(days=28)
        self.hoods = {name: (lat, lng) for name, lat, lng in OAKLAND.neighbourhoods}
        self.people: list[_Person] = []
        self.categories: dict[str, Category] = {}
        self.skills: dict[str, Skill] = {}

    def build(self) -> Network:
        self._plan_people()
        users = demo_accounts_create([p.email for p in self.people] + self._applicant_emails())
        network = self._found_network(users)
        self._join_everyone(network, users)
        self._post_offers()
        self._post_needs()
        self._receive_applications(network, users)
        self._set_up_notifications()
        return network

    # --- notifications
    def _set_up_notifications(self) -> None:
        """Rosa reads by text message too (the number `mutualaid sms simulate --from` uses in
        the README), and each demo login finds their three newest notifications unread."""
        rosa = self._member(self._person("Rosa M."))
        SmsPhone.objects.create(
            member=rosa,
            network=rosa.network,
            number=DEMO_SMS_NUMBER,
            number_hash=number_hashes(DEMO_SMS_NUMBER)[0],
            verified_at=timezone.now(),
        )
        preferences_set(member=rosa, choices={"match.offered:sms": "instant"})
        logins = {login.email for login in DEMO_LOGINS}
        for person in self.people:
            unread = Notification.objects.filter(recipient=self._member(person))
            keep = list(unread.values_list("pk", flat=True)[:3]) if person.email in logins else []
            unread.exclude(pk__in=keep).update(read_at=timezone.now())

    # --- people
    def _plan_people(self) -> None:
        fixed = [
            ("organiser", "Maya T.", "Lake Merritt", ["en", "es"]),
            ("rosa", "Rosa M.", "Fruitvale", ["es", "en"]),
            ("hugo", "Hugo B.", "Temescal", ["en", "es"]),
        ]
        for local, name, hood, languages in fixed:
            self.people.append(_Person(f"{local}@{DEMO_EMAIL_DOMAIN}", name, hood, languages))
        taken = {p.display_name for p in self.people}
        hood_names = sorted(self.hoods)
        weights = [HOOD_WEIGHTS.get(h, 2) for h in hood_names]
        while len(self.people) < MEMBER_COUNT:
            # Every neighbourhood gets someone before any gets a second.
            index = len(self.people) - len(fixed)
            hood = (
                hood_names[index]
                if index < len(hood_names)
                else self.rng.choices(hood_names, weights)[0]
            )
            language = self._pick(HOOD_LANGUAGES[hood])
            name = f"{self.rng.choice(FIRST_NAMES[language])} {self.rng.choice(LAST_INITIALS)}."
            if name in taken:
                continue
            taken.add(name)
            languages = [language]
            if language != "en" and self.rng.random() < 0.7:
                languages.append("en")  # most members read English as well
            elif language == "en" and self.rng.random() < 0.2:
                languages.append("es")
            local = slugify(name).replace("-", ".") or "member"
            self.people.append(
                _Person(f"{local}.{index}@{DEMO_EMAIL_DOMAIN}", name, hood, languages)
            )

    def _pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _cell_near(self, hood: str) -> str:
        lat, lng = self.hoods[hood]
        # Within a few hundred metres of the neighbourhood's centre: the same or a next cell.
        return cell_for(
            lat + self.rng.uniform(-0.004, 0.004), lng + self.rng.uniform(-0.004, 0.004)
        )

    def _applicant_emails(self) -> list[str]:
        return [f"new.neighbour.{i}@{DEMO_EMAIL_DOMAIN}" for i in (1, 2)]

    def _found_network(self, users: dict[str, User]) -> Network:
        self.clock.set(self.start)
        founder = self.people[0]
        network = membership.network_create(
            founder=users[founder.email],
            founder_display_name=founder.display_name,
            name="Oakland Mutual Aid",
            area_name=OAKLAND.area_name,
            center_lat=OAKLAND.lat,
            center_lng=OAKLAND.lng,
            neighbourhoods=OAKLAND.neighbourhoods,
            description=(
                "Neighbours helping neighbours across Oakland: groceries, rides, meals, a "
                "hand with repairs, someone to talk to. Ask for what you need; give what you "
                "can. Solidarity, not charity."
            ),
            timezone_name=OAKLAND.timezone,
        )
        founder.member = Member.objects.get(network=network, user=users[founder.email])
        self.categories = {c.slug: c for c in Category.objects.filter(network=network)}
        self.skills = {s.slug: s for s in Skill.objects.filter(network=network)}
        network = network_services.network_update_settings(
            actor=founder.member,
            network=network,
            description=network.description,
            open_for_applications=True,
            approvals_needed=2,
            application_questions=APPLICATION_QUESTIONS,
        )
        return network

    def _join_everyone(self, network: Network, users: dict[str, User]) -> None:
        for person in self.people:
            self.clock.advance(5, 90, self.rng)
            if person.member is None:
                person.member = membership.member_join_by_invitation(
                    user=users[person.email],
                    network=network,
                    invite_code=network.invite_code,
                    display_name=person.display_name,
                )
            self._fill_profile(person)

    def _fill_profile(self, person: _Person) -> None:
        member = self._member(person)
        skill_slugs = self.rng.sample(sorted(self.skills), self.rng.randint(1, 3))
        if person.display_name == "Hugo B.":
            skill_slugs = ["driving", "repairs", "heavy-lifting"]
        if any(lang != "en" for lang in person.languages) and len(person.languages) > 1:
            skill_slugs.append("translation")
        days = self.rng.sample(AVAILABILITY_SLOTS, self.rng.randint(2, 6))
        network_services.member_update_profile(
            actor=member,
            member=member,
            display_name=person.display_name,
            languages=person.languages,
            skill_ids=[self.skills[s].pk for s in dict.fromkeys(skill_slugs)],
            free_tags=[],
            accessibility_needs="",
            cell=self._cell_near(person.hood),
            availability=days,
            weekly_task_cap=self.rng.randint(1, 4),
            travel_radius_km=self.rng.choice([2, 3, 3, 5, 8]),
            contact_preference=Member.ContactPreference.IN_APP,
            phone="",
        )
        member.refresh_from_db()

    # --- offers
    def _post_offers(self) -> None:
        hugo = self._person("Hugo B.")
        plan: list[tuple[_Person, tuple[str, str, str, str, str]]] = [
            (hugo, t) for t in OFFER_TEXTS if t[3] in {"Rides to appointments", "Bike repair"}
        ]
        helpers = [p for p in self.people if p is not hugo and p.display_name != "Rosa M."]
        while len(plan) < OFFER_COUNT:
            text = OFFER_TEXTS[len(plan) % len(OFFER_TEXTS)]
            speakers = [p for p in helpers if text[2] in p.languages] or helpers
            plan.append((self.rng.choice(speakers), text))
        for person, (slug, kind, _lang, title, details) in plan:
            self.clock.set(self.start + timedelta(days=4, minutes=self.rng.randint(0, 60 * 72)))
            offer = needs_services.offer_create(
                actor=self._member(person),
                kind=kind,
                title=title,
                category=self.categories[slug],
                description=details,
                capacity=self.rng.randint(1, 3),
                availability=self.rng.sample(AVAILABILITY_SLOTS, self.rng.randint(1, 4)),
                radius_km=self.rng.choice([2, 3, 5, 8]),
            )
            person.offers.append(offer)

    # --- needs and what happened to them
    def _post_needs(self) -> None:
        states = [state for state, n in STATE_MIX.items() for _ in range(n)]
        states += ["open"] * (NEED_COUNT - len(states))
        self.rng.shuffle(states)
        rosa, hugo = self._person("Rosa M."), self._person("Hugo B.")
        # A few stories the demo logins can step into at once.
        stories: list[tuple[_Person, str, str, _Person | None]] = [
            (rosa, "groceries", "proposed", hugo),
            (rosa, "childcare", "in_progress", None),
            (rosa, "repairs", "done", hugo),
            (self._person_speaking("zh"), "rides", "accepted", hugo),
            (self._person_speaking("vi"), "repairs", "in_progress", hugo),
        ]
        requesters = [p for p in self.people if p is not hugo]
        for i, state in enumerate(states):
            category = list(NEED_TEXTS)[i % len(NEED_TEXTS)]
            requester, helper = self.rng.choice(requesters), None
            if i < len(stories):
                requester, category, state, helper = stories[i]
            self._play_need(requester, category, state, helper)

    def _play_need(
        self, requester: _Person, category: str, state: str, helper: _Person | None
    ) -> None:
        need = self._post_need(requester, category, state)
        if state == "open":
            if self.rng.random() < 0.1:  # an offer that was declined; the need waits on
                match = self._propose(need, self._helper_for(need, requester, None), category)
                self._step(needs_services.match_decline, requester, match)
            return
        if state == "closed":
            self.clock.advance(60, 60 * 48, self.rng)
            needs_services.need_close(actor=self._member(requester), need=need)
            return
        helper = helper or self._helper_for(need, requester, None)
        match = self._propose(need, helper, category)
        if state == "proposed":
            if self.rng.random() < 0.3:  # two neighbours offered; the requester hasn't chosen
                other = self._helper_for(need, requester, helper)
                self._propose(need, other, category)
            return
        match = self._step(needs_services.match_accept, requester, match)
        if helper is self._person("Hugo B.") and state == "accepted":
            self._converse(requester, helper, match)
        if state == "accepted":
            return
        match = self._step(needs_services.match_start, helper, match)
        if state == "in_progress":
            return
        match = self._step(needs_services.match_confirm_done, helper, match)
        self._step(needs_services.match_confirm_done, requester, match)

    def _post_need(self, requester: _Person, category: str, state: str) -> Need:
        finished = state in {"done", "closed"}
        days_ago = self.rng.uniform(6, 23) if finished else self.rng.uniform(0.1, 6)
        posted = self.clock.set(self.clock.real_now - timedelta(days=days_ago))
        urgency = self.rng.choice(list(Need.Urgency.values))
        if finished:
            window_end = posted + timedelta(days=self.rng.randint(3, 8))
        elif urgency == Need.Urgency.TODAY:
            window_end = self.clock.real_now + timedelta(hours=self.rng.randint(3, 10))
        else:
            window_end = self.clock.real_now + timedelta(days=self.rng.randint(2, 21))
        texts = NEED_TEXTS[category]
        language = requester.language if requester.language in texts else "en"
        with_address = category in {"groceries", "meals", "repairs", "prescriptions", "housing"}
        return needs_services.need_create(
            actor=self._member(requester),
            category=self.categories[category],
            description=self.rng.choice(texts[language]),
            urgency=urgency,
            window_start=posted,
            window_end=window_end,
            cell=self._cell_near(requester.hood),
            languages=requester.languages,
            address=(
                f"{self.rng.randint(100, 3999)} {self.rng.choice(STREETS)} (demo address)"
                if with_address
                else ""
            ),
        )

    def _helper_for(self, need: Need, requester: _Person, besides: _Person | None) -> _Person:
        def eligible(p: _Person) -> bool:
            return p is not requester and p is not besides and p.display_name != "Maya T."

        offering = [
            p
            for p in self.people
            if eligible(p) and any(o.category_id == need.category_id for o in p.offers)
        ]
        speaking = [p for p in offering if set(p.languages) & set(need.languages)]
        pool = speaking or offering or [p for p in self.people if eligible(p)]
        return self.rng.choice(pool)

    def _propose(self, need: Need, helper: _Person, category: str) -> Match:
        self.clock.advance(30, 60 * 18, self.rng)
        offer = next((o for o in helper.offers if o.category_id == need.category_id), None)
        return needs_services.match_propose(
            actor=self._member(helper),
            need=need,
            offer=offer,
            message=self.rng.choice(HELP_MESSAGES.get(helper.language, HELP_MESSAGES["en"])),
        )

    def _converse(self, requester: _Person, helper: _Person, match: Match) -> None:
        """A few words through the relay, so the conversation page has something to show."""
        thread = relay_selectors.access_conversation(self._member(helper), match.pk)
        for person, words in [
            (helper, "Hi! I can drive you on Thursday. What time is the appointment?"),
            (requester, "Thank you! 10:30. I will wait by the front door."),
            (helper, "Great, I will be there at 10:00."),
        ]:
            self.clock.advance(5, 60, self.rng)
            relay_services.relay_post(member=self._member(person), thread=thread, text=words)

    def _step(self, service: Callable[..., Match], actor: _Person, match: Match) -> Match:
        self.clock.advance(15, 60 * 20, self.rng)
        return service(actor=self._member(actor), match=match)

    # --- applications waiting for members
    def _receive_applications(self, network: Network, users: dict[str, User]) -> None:
        answers = [
            ("Lucía F.", ["A flyer at the Fruitvale library.", "Rides: I have a car on weekends."]),
            ("Ben K.", ["My neighbour Hugo.", "Fixing bikes, and maybe meals now and then."]),
        ]
        applications = []
        for email, (name, texts) in zip(self._applicant_emails(), answers, strict=True):
            self.clock.set(self.clock.real_now - timedelta(hours=self.rng.randint(2, 30)))
            applications.append(
                network_services.application_submit(
                    user=users[email], network=network, display_name=name, answers=texts
                )
            )
        # Hugo vouched for Ben; one more approval lets him in.
        membership.application_vote(
            actor=self._member(self._person("Hugo B.")),
            application=applications[1],
            decision="approve",
        )

    # --- helpers
    def _person(self, display_name: str) -> _Person:
        return next(p for p in self.people if p.display_name == display_name)

    def _person_speaking(self, language: str) -> _Person:
        return next(p for p in self.people if p.language == language)

    @staticmethod
    def _member(person: _Person) -> Member:
        if person.member is None:
            raise RuntimeError(f"{person.display_name} has not joined yet")
        return person.member
