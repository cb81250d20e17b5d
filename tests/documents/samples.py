"""A filled context for every document kind, as the case layer will pass it (Kazakh letters everywhere)."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfWriter

# Every Kazakh-specific letter, lower and upper case: each must come back out of every PDF.
KAZAKH_LETTERS = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"

RECIPIENT = {
    "name": "Әбілқасымова Гүлнұр Һидаятқызы",
    "iin": "900101400122",
    "address": "Қарағанды қ., Өңірлік көшесі 12, 3-пәтер",
    "phone": "+7 701 000 00 00",
}
CHILD = {
    "name": "Ұлықбек Әлиұлы Іңкәров",
    "birth_date": dt.date(2015, 3, 9),
    "iin": "150309500111",
    "placement": "Қамқоршылықта: Үмітқызы Ғалия",
}
ORGANISATION = {"name": "Қарағанды қаласының білім бөлімі"}
OFFICER = {"name": "Нұрғалиев Өмірзақ Қайратұлы", "position": "бас маман"}
OFFICE = {"number": "7", "address": "Қарағанды қ., Бұқар жырау даңғылы 49"}
SERVICE = {
    "name": "Балаға кері әсер етпейтін ата-ана құқықтарынан айырылған ата-аналарға баламен кездесуіне рұқсат беру"
}
PERIOD = {"from": dt.date(2026, 12, 7), "until": dt.date(2027, 6, 7)}
ISSUED = dt.date(2026, 12, 3)
GROUNDS = [
    {
        "text": "ұсынылған құжаттардың және (немесе) олардағы деректердің анық еместігін анықтау; "
        "баланың мүддесіне қайшы келетін жағдайлар һәм өзгелер",
        "citation": "003_4cf6e905af0d21d2.txt annex 2 row 9 item 1",
    }
]
HEARING = {
    "at": dt.datetime(2026, 12, 10, 11, 0),
    "place": "Қарағанды қ., Бұқар жырау даңғылы 49, 214-кабинет",
    "participants": ["Әбілқасымова Гүлнұр Һидаятқызы", "Нұрғалиев Өмірзақ Қайратұлы"],
    "statements": ["Өтініш беруші құжаттардың түпнұсқасын ұсынды, үйі жөнделді."],
    "outcome": "Рұқсат беру ұсынылды; ғұмырлық міндеттер түсіндірілді.",
}


def _base(**extra):
    ctx = {
        "organisation": ORGANISATION,
        "officer": OFFICER,
        "recipient": RECIPIENT,
        "children": [CHILD],
        "issued_on": ISSUED,
        "number": "ҚҒ-2026-0042",
    }
    ctx.update(extra)
    return ctx


def context_for(kind: str) -> dict:
    receipt = {"office": OFFICE, "service": SERVICE}
    contexts = {
        "meeting_application": _base(period=PERIOD),
        "legacy_meeting_application": _base(period=PERIOD),
        "meeting_permission": _base(period=PERIOD),
        "legacy_meeting_permission": _base(period=PERIOD),
        "meeting_refusal_receipt": _base(
            **receipt,
            missing_documents=["Баланың туу туралы куәлігі (Ұлықбек)"],
            expired_documents=["Өңірлік денсаулық анықтамасы (мерзімі өткен)"],
        ),
        "legacy_meeting_refusal_receipt": _base(**receipt, missing_documents=["Жеке куәлік көшірмесі (Һ)"]),
        "camp_application": _base(school={"number": "12", "grade": "5 «Ә»", "year": "2026–2027 оқу жылы"}),
        "camp_refusal_receipt": _base(**receipt, missing_documents=["Әлеуметтік мәртебені растайтын құжат"]),
        "camp_referral": _base(
            camp={"name": "«Ақбұлақ» сауықтыру лагері", "address": "Қарқаралы ауданы"}, period=PERIOD
        ),
        "guardianship_certificate": _base(
            guardianship={
                "basis": "Білім бөлімінің 2025 жылғы 1 қыркүйектегі № 15 бұйрығы",
                "since": dt.date(2025, 9, 1),
            }
        ),
        "guardianship_decision": _base(),
        "foster_family_decision": _base(
            allowance={"amount": "ең төменгі күнкөріс деңгейінің мөлшерінде", "from": ISSUED}
        ),
        "patronage_decision": _base(
            allowance={"amount": "ең төменгі күнкөріс деңгейінің мөлшерінде", "from": ISSUED},
            automated="Ақпараттық жүйе автоматты түрде шешті; лауазымды тұлға қатыспады.",
        ),
        "motivated_refusal": _base(service=SERVICE, grounds=GROUNDS, hearing=HEARING),
        "preliminary_refusal_notice": _base(service=SERVICE, grounds=GROUNDS, hearing=HEARING),
        "hearing_record": _base(service=SERVICE, hearing=HEARING),
        "complaint_answer": _base(
            complaint={
                "number": "ҚҒ-2026-0042-C1",
                "received_on": dt.date(2026, 11, 30),
                "text": "Құжаттар шынайы; өтінішті қайта қарауды сұраймын (Һ, ү, ө).",
                "subject": "шешім",
                "outcome": "қанағаттандырусыз қалдырылды: шешім күшінде",
            },
            reasoning="Сот тізілімінде мұндай шешім жоқ; бас тарту негізі күшінде қалады (ғ, ң, қ, ұ, і, ә).",
            grounds=GROUNDS,
            court="003_4cf6e905af0d21d2.txt §13 para 8",
        ),
        "acceptance_receipt": _base(
            **receipt,
            accepted_documents=["Өтініш", "Жеке басын куәландыратын құжат", "Һәмшаһар анықтамасы"],
            result_due=dt.date(2026, 12, 10),
        ),
    }
    return contexts[kind]


def blank_pdf() -> bytes:
    """A one-page PDF made by another tool (pypdf): unsigned, never issued by us."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
