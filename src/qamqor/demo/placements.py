"""The demo's granted placements (issue 12): guardianship and a foster family, each with its signed
documents, made through the case layer's own steps like every demo case — submitted with the
applicant's declared facts, the registries asked (the sandbox population answers), the gate's grant,
the result issued — and the data bank's automated guardianship certificate that follows from the
guardianship (its signed certificate made as the recipient's cabinet would show it).

The applicant is the demo recipient `recipient-gulnar`, whose IIN is a person of the sandbox
population with nothing on record (the registries find her clean); the children are the
population's too. Patronage (`001` annex 2) is not in the demo: its standard is not in force today.
"""

from __future__ import annotations

import numpy as np

USERNAME = "recipient-gulnar"
ADDRESS = "Астана қ., Алматы ауданы, Тәуелсіздік даңғ. 8, 12-пәтер (demo)"
# the applicant's declared facts (a non-relative with the training certificate; income above the minimum)
DECLARED = {
    "relation_to_child": "none",
    "monthly_income": 450000,
    "household_size": 3,
    "psych_training_certificate": True,
}


def clean_rows(pop) -> tuple[np.ndarray, np.ndarray]:
    """(adults with nothing on record in the courts, the criminal records or health; children)."""
    birth, alive = pop["birth"], np.isnat(pop["died_on"])
    adults = np.flatnonzero(
        alive
        & (birth <= np.datetime64("1990-01-01", "D"))
        & (pop["citizen"] == 0)
        & (pop["court_kind"] == 0)
        & (pop["conv_cat"] == 0)
        & (pop["disp_kind"] == 0)
        & np.isnat(pop["disease_on"])
    )
    children = np.flatnonzero(alive & (birth >= np.datetime64("2015-01-01", "D")))
    return adults, children


def sandbox_iins() -> tuple[str, list[str]]:
    """The IIN of the demo's carer and of two children, from the sandbox population."""
    from qamqor.registries.sandbox import current_population

    pop = current_population()
    adults, children = clean_rows(pop)
    return pop.iin_of(int(adults[0])), [pop.iin_of(int(children[i])) for i in (0, 1)]


def placement_lives(users, providers, offices, clock, package) -> list[tuple[str, object]]:
    """The lives to add to the demo: (name, function making the case)."""
    from qamqor.cases import actions as sv
    from qamqor.cases.models import Person

    gulnar, officer, head = users[USERNAME], users["astana-officer"], users["astana-head"]
    operator, astana, con1 = users["astana-operator"], providers["astana-education"], offices["astana-con-1"]
    _carer, kids = sandbox_iins()

    def person(iin, last, first, middle="", address=""):
        defaults = {"last_name": last, "first_name": first, "middle_name": middle, "address": address}
        return Person.objects.get_or_create(iin=iin, defaults=defaults)[0]

    applicant = person(gulnar.iin, gulnar.last_name, gulnar.first_name, "Өмірқызы", ADDRESS)
    children = [person(kids[0], "Ержанов", "Әлібек"), person(kids[1], "Ержанова", "Аружан")]

    def granted(slug, child, wd_back, facts, particulars=None, channel="provider"):
        counter = channel == "state_corp"  # the guardianship standard takes it at the State Corporation
        case = sv.submit_application(
            service_slug=slug, channel=channel, applicant=applicant, children=[child], provider=astana,
            office=con1 if counter else None, actor=operator if counter else officer,
            at=clock.at(wd_back, 9, 30), facts={"applicant": facts}, consent=True,
            documents=package(slug, channel),
            # 001 annex 1 row 7 item 2: received at the applicant's (or the child's) registered address
            registered_regions={applicant.iin: con1.region} if counter else None,
        )  # fmt: skip
        if counter:  # row 8: the originals shown for checking and given back
            sv.accept_at_front_office(case, actor=operator, at=clock.at(wd_back, 9, 40), originals_returned=True)
            sv.send_by_courier(case, actor=operator, at=clock.at(wd_back, 15, 0))
            sv.receive_at_provider(case, actor=officer, at=clock.at(wd_back - 1, 9, 30))
            wd_back -= 1
        else:
            sv.register_at_provider(case, actor=officer, at=clock.at(wd_back, 9, 40))
        for minutes, step in enumerate(("check_completeness", "start_review", "collect_registry_data")):
            getattr(sv, step)(case, actor=officer, at=clock.at(wd_back, 10, minutes * 10))
        sv.decide(case, actor=head, at=clock.at(wd_back - 1, 10, 0))  # the gate allows the grant
        sv.issue_result(case, actor=officer, at=clock.at(wd_back - 1, 11, 0), particulars=particulars)
        return case

    def guardianship():
        facts = {**DECLARED, "owns_housing": True}
        case = granted("guardianship-establishment", children[0], 7, facts, channel="state_corp")
        # the data bank now holds the guardian: her certificate is granted at once, with its document
        from qamqor.databank.documents import certificate_document
        from qamqor.databank.services import request_guardianship_certificate

        request = request_guardianship_certificate(gulnar, children[0].iin, True, at=clock.at(4, 12, 0))
        certificate_document(request)
        return case

    def foster_family():
        allowance = {"amount": "Өңірлік бюджеттен ай сайын (demo)", "from": clock.day(2)}
        return granted("foster-family-placement", children[1], 4, DECLARED, {"allowance": allowance})

    return [
        ("guardianship granted, order issued, data bank certificate", guardianship),
        ("foster family granted, decision issued", foster_family),
    ]
