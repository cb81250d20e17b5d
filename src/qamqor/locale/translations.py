"""Kazakh and Russian texts of the project's messages (msgid = English).

`python -m qamqor.locale.translations` fills the .po files made by `makemessages` from this table and
compiles the .mo files with Babel (no gettext tools needed). Run after adding messages. Messages
with a number (`ngettext`) are in `TP`, with every plural form of each language.
"""

from __future__ import annotations

from qamqor.locale import messages_hardening as _hardening

T: dict[str, tuple[str, str]] = {
    "Invalid IIN: %(reason)s": ("ЖСН жарамсыз: %(reason)s", "Неверный ИИН: %(reason)s"),
    "Invalid BIN: %(reason)s": ("БСН жарамсыз: %(reason)s", "Неверный БИН: %(reason)s"),
    "recipient": ("көрсетілетін қызметті алушы", "услугополучатель"),
    "State Corporation front-office operator": (
        "Мемлекеттік корпорация операторы",
        "оператор Государственной корпорации",
    ),
    "provider officer": ("көрсетілетін қызметті берушінің маманы", "специалист услугодателя"),
    "head of the provider": ("көрсетілетін қызметті берушінің басшысы", "руководитель услугодателя"),
    "complaints reviewer": ("шағымдарды қараушы", "рассматривающий жалобы"),
    "auditor": ("аудитор", "аудитор"),
    "administrator": ("әкімші", "администратор"),
    "education department of a district": ("ауданның білім бөлімі", "отдел образования района"),
    "education department of a city of regional significance": (
        "облыстық маңызы бар қаланың білім бөлімі",
        "отдел образования города областного значения",
    ),
    "education administration of Astana, Almaty or Shymkent": (
        "Астана, Алматы, Шымкент қалаларының білім басқармасы",
        "управление образования городов Астаны, Алматы, Шымкента",
    ),
    "education organisation": ("білім беру ұйымы", "организация образования"),
    "local executive body (akimat)": (
        "жергілікті атқарушы орган (әкімдік)",
        "местный исполнительный орган (акимат)",
    ),
    "regular office": ("әдеттегі бөлім", "обычный отдел"),
    "duty office": ("кезекші бөлім", "дежурный отдел"),
    "A provider officer or head must belong to a provider.": (
        "Көрсетілетін қызметті берушінің маманы немесе басшысы көрсетілетін қызметті берушіге тиесілі болуы керек.",
        "Специалист или руководитель услугодателя должен относиться к услугодателю.",
    ),
    "A front-office operator must belong to a State Corporation office.": (
        "Оператор Мемлекеттік корпорацияның бөліміне тиесілі болуы керек.",
        "Оператор должен относиться к отделу Государственной корпорации.",
    ),
    "A recipient is identified by an IIN.": (
        "Көрсетілетін қызметті алушы ЖСН бойынша анықталады.",
        "Услугополучатель определяется по ИИН.",
    ),
    "Unknown code.": ("Белгісіз код.", "Неизвестный код."),
    "This field is required.": ("Бұл өрісті толтыру міндетті.", "Это поле обязательно."),
    "Enter a whole number.": ("Бүтін сан енгізіңіз.", "Введите целое число."),
    "Send the version as given in the ETag header.": (
        "Нұсқаны ETag тақырыбында берілгендей жіберіңіз.",
        "Передайте версию так, как она дана в заголовке ETag.",
    ),
    "Only provider staff and State Corporation operators have a queue.": (
        "Кезек тек көрсетілетін қызметті берушінің қызметкерлерінде және Мемлекеттік корпорация операторларында болады.",
        "Очередь есть только у сотрудников услугодателя и операторов Государственной корпорации.",
    ),
    "Enter a date as dd.mm.yyyy or yyyy-mm-dd.": (
        "Күнді кк.аа.жжжж немесе жжжж-аа-кк түрінде енгізіңіз.",
        "Введите дату в виде дд.мм.гггг или гггг-мм-дд.",
    ),
    "There is no service with this code.": ("Мұндай кодпен қызмет жоқ.", "Услуги с таким кодом нет."),
    "This action changes the application: send its version in the If-Match header.": (
        "Бұл әрекет өтінішті өзгертеді: оның нұсқасын If-Match тақырыбында жіберіңіз.",
        "Это действие изменяет заявление: передайте его версию в заголовке If-Match.",
    ),
    "The application was changed by someone else. Reload it and try again.": (
        "Өтінішті басқа біреу өзгертті. Оны қайта жүктеп, әрекетті қайталаңыз.",
        "Заявление изменил кто-то другой. Загрузите его заново и повторите.",
    ),
    "This Idempotency-Key was already used for a different request.": (
        "Бұл Idempotency-Key басқа сұрау үшін пайдаланылған.",
        "Этот Idempotency-Key уже использован для другого запроса.",
    ),
    "This action is not allowed in the application's current status.": (
        "Өтініштің қазіргі мәртебесінде бұл әрекетке жол берілмейді.",
        "В текущем статусе заявления это действие не допускается.",
    ),
    "There is no such action.": ("Мұндай әрекет жоқ.", "Такого действия нет."),
    "This service cannot be applied for.": (
        "Бұл қызметке өтініш беруге болмайды.",
        "На эту услугу нельзя подать заявление.",
    ),
    "Not found.": ("Табылмады.", "Не найдено."),
    "The request has errors; see the fields.": (
        "Сұрауда қателер бар; өрістерді қараңыз.",
        "В запросе есть ошибки; см. поля.",
    ),
    "Enter a valid IIN: 12 digits with a correct check digit.": (
        "Дұрыс ЖСН енгізіңіз: бақылау саны дұрыс 12 цифр.",
        "Введите правильный ИИН: 12 цифр с верной контрольной цифрой.",
    ),
    "Facts must be a JSON object.": (
        "Деректер JSON объектісі болуы керек.",
        "Сведения должны быть объектом JSON.",
    ),
    "Qamqor: public services for families and children": (
        "Qamqor: отбасы және балалар саласындағы мемлекеттік қызметтер",
        "Qamqor: государственные услуги для семьи и детей",
    ),
    "Public services in the sphere of family and children (Order No. 158): the catalogue, applications and their processing.": (
        "Отбасы және балалар саласындағы мемлекеттік қызметтер (№ 158 бұйрық): тізілім, өтініштер және оларды өңдеу.",
        "Государственные услуги в сфере семьи и детей (приказ № 158): каталог, заявления и их обработка.",
    ),
    "API documentation (Swagger UI)": ("API құжаттамасы (Swagger UI)", "Документация API (Swagger UI)"),
    "API documentation (Redoc)": ("API құжаттамасы (Redoc)", "Документация API (Redoc)"),
    "OpenAPI 3 schema": ("OpenAPI 3 сызбасы", "Схема OpenAPI 3"),
    "Browsable API": ("Шолуға болатын API", "Интерактивный API"),
    "Catalogue of services": ("Қызметтер тізілімі", "Каталог услуг"),
    "Log in": ("Кіру", "Войти"),
    "Demo log-ins": ("Демо кіру деректері", "Демо-учётные записи"),
    "These accounts exist only in the demo data. Do not use them in production.": (
        "Бұл тіркелгілер тек демо деректерде бар. Оларды жұмыс жүйесінде пайдаланбаңыз.",
        "Эти учётные записи есть только в демо-данных. Не используйте их в рабочей системе.",
    ),
    "User": ("Пайдаланушы", "Пользователь"),
    "Password": ("Құпиясөз", "Пароль"),
    "Role": ("Рөлі", "Роль"),
    "Where": ("Қайда", "Где"),
    "This log is append-only: records cannot be changed.": (
        "Бұл журналға тек қосуға болады: жазбаларды өзгертуге болмайды.",
        "Журнал только пополняется: записи нельзя изменять.",
    ),
    "This log is append-only: records cannot be deleted.": (
        "Бұл журналға тек қосуға болады: жазбаларды жоюға болмайды.",
        "Журнал только пополняется: записи нельзя удалять.",
    ),
    "No such case, or you may not see it.": (
        "Мұндай іс жоқ немесе оны көруге құқығыңыз жоқ.",
        "Такого дела нет, или вам нельзя его видеть.",
    ),
    "provider's office": ("көрсетілетін қызметті берушінің кеңсесі", "канцелярия услугодателя"),
    "State Corporation": ("Мемлекеттік корпорация", "Государственная корпорация"),
    "egov portal": ("egov порталы", "портал egov"),
    "male": ("ер", "мужской"),
    "female": ("әйел", "женский"),
    "no decision yet": ("шешім әлі жоқ", "решения ещё нет"),
    "granted": ("оң шешім қабылданды", "принято положительное решение"),
    "refused": ("бас тартылды", "отказано"),
    "An application at the State Corporation needs the office.": (
        "Мемлекеттік корпорациядағы өтінішке бөлім көрсетілуі керек.",
        "Для заявления в Государственной корпорации нужен отдел.",
    ),
    "uploaded by the recipient": ("алушы жүктеген", "загружен услугополучателем"),
    "supplied by a state information system": (
        "мемлекеттік ақпараттық жүйеден алынған",
        "получен из государственной информационной системы",
    ),
    "paper copy handed in": ("қағаз көшірмесі тапсырылды", "сдана бумажная копия"),
    "grant": ("беру", "предоставление"),
    "preliminary decision of refusal": (
        "бас тарту туралы алдын ала шешім",
        "предварительное решение об отказе",
    ),
    "motivated refusal": ("дәлелді бас тарту", "мотивированный отказ"),
    "This case belongs to another provider.": (
        "Бұл іс басқа көрсетілетін қызметті берушіге тиесілі.",
        "Это дело относится к другому услугодателю.",
    ),
    "This case belongs to another State Corporation office.": (
        "Бұл іс Мемлекеттік корпорацияның басқа бөліміне тиесілі.",
        "Это дело относится к другому отделу Государственной корпорации.",
    ),
    "Only the applicant may do this.": (
        "Мұны тек өтініш беруші жасай алады.",
        "Это может сделать только заявитель.",
    ),
    "This idempotency key was already used for another request.": (
        "Бұл идемпотенттілік кілті басқа сұрау үшін пайдаланылған.",
        "Этот ключ идемпотентности уже использован для другого запроса.",
    ),
    "The case was changed by someone else (version %(have)s, you had %(expected)s).": (
        "Істі басқа біреу өзгертті (нұсқасы %(have)s, сізде %(expected)s).",
        "Дело изменил кто-то другой (версия %(have)s, у вас %(expected)s).",
    ),
    "A case cannot move from “%(src)s” to “%(dst)s” on the channel “%(ch)s”.": (
        "«%(ch)s» арнасында іс «%(src)s» мәртебесінен «%(dst)s» мәртебесіне өте алмайды.",
        "По каналу «%(ch)s» дело не может перейти из «%(src)s» в «%(dst)s».",
    ),
    "The role “%(role)s” may not make this move.": (
        "«%(role)s» рөлі бұл қадамды жасай алмайды.",
        "Роль «%(role)s» не может сделать этот шаг.",
    ),
    "On the portal only the recipient applies, for themself.": (
        "Порталда өтінішті тек алушының өзі өзі үшін береді.",
        "На портале заявление подаёт только сам услугополучатель, за себя.",
    ),
    "At the State Corporation an operator of that office accepts the application.": (
        "Мемлекеттік корпорацияда өтінішті сол бөлімнің операторы қабылдайды.",
        "В Государственной корпорации заявление принимает оператор этого отдела.",
    ),
    "At the provider its own staff accept the application.": (
        "Көрсетілетін қызметті берушіде өтінішті оның өз қызметкерлері қабылдайды.",
        "У услугодателя заявление принимают его собственные сотрудники.",
    ),
    "Unknown service “%(slug)s”.": ("«%(slug)s» қызметі белгісіз.", "Неизвестная услуга «%(slug)s»."),
    "The service “%(slug)s” is not in force on %(day)s.": (
        "«%(slug)s» қызметі %(day)s күні қолданыста емес.",
        "Услуга «%(slug)s» не действует на %(day)s.",
    ),
    "The requirements of this service are not in the legal texts available; applications are not accepted.": (
        "Бұл қызметтің талаптары қолда бар құқықтық мәтіндерде жоқ; өтініштер қабылданбайды.",
        "Требований этой услуги нет в имеющихся правовых текстах; заявления не принимаются.",
    ),
    "The service is not offered through the channel “%(ch)s”.": (
        "Қызмет «%(ch)s» арнасы арқылы көрсетілмейді.",
        "Услуга не оказывается через канал «%(ch)s».",
    ),
    "This provider (%(kind)s) does not provide this service.": (
        "Бұл көрсетілетін қызметті беруші (%(kind)s) бұл қызметті көрсетпейді.",
        "Этот услугодатель (%(kind)s) не оказывает эту услугу.",
    ),
    "The notice must give the time and the place of the hearing.": (
        "Хабарламада тыңдаудың уақыты мен орны көрсетілуі керек.",
        "В уведомлении должны быть время и место заслушивания.",
    ),
    "Give the hearing time with its time zone.": (
        "Тыңдау уақытын уақыт белдеуімен көрсетіңіз.",
        "Укажите время заслушивания с часовым поясом.",
    ),
    "The hearing must be after the notice is sent.": (
        "Тыңдау хабарлама жіберілгеннен кейін болуы керек.",
        "Заслушивание должно быть после отправки уведомления.",
    ),
    "The objection term runs until %(day)s inclusive; it has not lapsed yet.": (
        "Қарсылық білдіру мерзімі %(day)s қоса алғанда жүреді; ол әлі өтпеген.",
        "Срок для возражений длится по %(day)s включительно; он ещё не истёк.",
    ),
    "Hand over on an identity document or a notarised power of attorney.": (
        "Жеке басын куәландыратын құжат немесе нотариат куәландырған сенімхат бойынша беріңіз.",
        "Выдавайте по документу, удостоверяющему личность, или по нотариальной доверенности.",
    ),
    "Name the representative holding the power of attorney.": (
        "Сенімхаты бар өкілді көрсетіңіз.",
        "Укажите представителя по доверенности.",
    ),
    "Only the provider's officer or head decides.": (
        "Шешімді тек көрсетілетін қызметті берушінің маманы немесе басшысы қабылдайды.",
        "Решение принимает только специалист или руководитель услугодателя.",
    ),
    "The pinned catalogue version is gone.": (
        "Бекітілген тізілім нұсқасы жоқ.",
        "Закреплённой версии каталога больше нет.",
    ),
    "Facts are missing: %(facts)s": ("Деректер жетіспейді: %(facts)s", "Не хватает сведений: %(facts)s"),
    "submitted": ("өтініш берілді", "заявление подано"),
    "registered (accepted)": ("тіркелді (қабылданды)", "зарегистрировано (принято)"),
    "refused to accept": ("қабылдаудан бас тартылды", "отказано в приёме"),
    "in transit to the provider by courier": (
        "курьер арқылы қызмет берушіге жолда",
        "в пути к услугодателю с курьером",
    ),
    "received by the provider": ("қызмет беруші алды", "получено услугодателем"),
    "completeness checked": ("толықтығы тексерілді", "полнота проверена"),
    "in review": ("қаралуда", "на рассмотрении"),
    "awaiting data from state information systems": (
        "мемлекеттік ақпараттық жүйелерден деректер күтілуде",
        "ожидаются сведения из государственных информационных систем",
    ),
    "preliminary decision of refusal; hearing notified": (
        "бас тарту туралы алдын ала шешім; тыңдау туралы хабарланды",
        "предварительное решение об отказе; уведомлено о заслушивании",
    ),
    "hearing held": ("тыңдау өтті", "заслушивание проведено"),
    "objection term lapsed": ("қарсылық білдіру мерзімі өтті", "срок для возражений истёк"),
    "result issued": ("нәтиже ресімделді", "результат оформлен"),
    "delivered to the personal cabinet": ("жеке кабинетке жіберілді", "направлено в личный кабинет"),
    "held at the State Corporation": (
        "Мемлекеттік корпорацияда сақталуда",
        "хранится в Государственной корпорации",
    ),
    "handed over": ("қолына берілді", "выдано на руки"),
    "transferred to the provider for keeping": (
        "сақтау үшін қызмет берушіге тапсырылды",
        "передано услугодателю на хранение",
    ),
    "return to the State Corporation requested": (
        "Мемлекеттік корпорацияға қайтару сұралды",
        "запрошен возврат в Государственную корпорацию",
    ),
    "withdrawn by the recipient": ("алушы кері қайтарып алды", "отозвано услугополучателем"),
    # --- token authentication, data bank, registries (found by makemessages, not translated before) ---
    "Invalid token.": ("Токен жарамсыз.", "Недействительный токен."),
    "User inactive or deleted.": (
        "Пайдаланушы белсенді емес немесе жойылған.",
        "Пользователь неактивен или удалён.",
    ),
    "recorded by Qamqor (order issued here)": (
        "Qamqor тіркеген (бұйрық осында шығарылды)",
        "записано Qamqor (приказ издан здесь)",
    ),
    "sandbox population (demo and tests)": (
        "синтетикалық халық (демо және тесттер)",
        "синтетическое население (демо и тесты)",
    ),
    "imported from the earlier data bank": (
        "бұрынғы деректер банкінен көшірілген",
        "перенесено из прежнего банка данных",
    ),
    "guardianship or custody": ("қорғаншылық немесе қамқоршылық", "опека или попечительство"),
    "foster (receiving) family": ("қабылдаушы отбасы", "приёмная семья"),
    "patronage upbringing": ("патронаттық тәрбие", "патронатное воспитание"),
    "close relative": ("жақын туысы", "близкий родственник"),
    "relative": ("туысы", "родственник"),
    "step-parent": ("өгей әкесі (өгей шешесі)", "отчим (мачеха)"),
    "not a relative": ("туысы емес", "не родственник"),
    "not stated": ("көрсетілмеген", "не указано"),
    "open": ("орындалуда", "не исполнена"),
    "fulfilled": ("орындалды", "исполнена"),
    "consent box of the application form": (
        "өтініш нысанындағы келісім белгісі",
        "отметка о согласии в форме заявления",
    ),
    "portal request signed with the recipient's electronic signature": (
        "алушының ЭЦҚ-сымен қол қойылған портал сұрауы",
        "запрос на портале, подписанный ЭЦП услугополучателя",
    ),
    "one-time password (digital-documents service)": (
        "бір реттік пароль (цифрлық құжаттар сервисі)",
        "одноразовый пароль (сервис цифровых документов)",
    ),
    "answered": ("жауап берілді", "получен ответ"),
    "answered: nothing on record": ("жауап берілді: мәлімет жоқ", "получен ответ: сведений нет"),
    # (makemessages had guessed "refused to accept" for it, fuzzy, and the guess was kept)
    "refused: no consent": ("бас тартылды: келісім берілмеген", "отказано: согласие не дано"),
    "registry did not answer": ("тізілім жауап бермеді", "реестр не ответил"),
    "waiting for the registry": ("тізілімнің жауабы күтілуде", "ожидается ответ реестра"),
    "cancelled (case closed)": ("тоқтатылды (іс жабылды)", "отменено (дело закрыто)"),
    # --- fully automated services (cases/automated.py, api/automated.py) ---------------------------
    "Decided automatically by the information system: the service is fully automated (its standard, row 4); "
    "no official took part.": (
        "Шешімді ақпараттық жүйе автоматты түрде қабылдады: қызмет толық автоматтандырылған (стандарттың "
        "4-жолы); лауазымды адам қатысқан жоқ.",
        "Решение принято информационной системой автоматически: услуга полностью автоматизирована (строка 4 "
        "стандарта); должностное лицо не участвовало.",
    ),
    "Not examined: this ground needs an official's judgement and a fully automated service has no official; "
    "it is taken as not found (a limit of full automation).": (
        "Қаралған жоқ: бұл негіз лауазымды адамның бағалауын қажет етеді, ал толық автоматтандырылған "
        "қызметте лауазымды адам жоқ; негіз анықталмаған деп есептеледі (толық автоматтандырудың шегі).",
        "Не рассматривалось: это основание требует оценки должностного лица, а в полностью "
        "автоматизированной услуге его нет; основание считается не установленным (предел полной автоматизации).",
    ),
    "Refused directly, without a hearing: a fully automated service has no official to hold one (the seeds do "
    "not say how APC art. 73 applies to fully automated services).": (
        "Тыңдаусыз тікелей бас тартылды: толық автоматтандырылған қызметте тыңдауды өткізетін лауазымды адам "
        "жоқ (бастапқы мәтіндер ӘРПК 73-бабының толық автоматтандырылған қызметтерге қалай қолданылатынын "
        "айтпайды).",
        "Отказано сразу, без заслушивания: в полностью автоматизированной услуге нет должностного лица, "
        "которое могло бы его провести (исходные тексты не говорят, как статья 73 АППК применяется к "
        "полностью автоматизированным услугам).",
    ),
    "The service “%(slug)s” is not fully automated: an official must decide this case.": (
        "«%(slug)s» қызметі толық автоматтандырылмаған: бұл іс бойынша шешімді лауазымды адам қабылдауы тиіс.",
        "Услуга «%(slug)s» не полностью автоматизирована: решение по этому делу принимает должностное лицо.",
    ),
    "The service “%(slug)s” is not fully automated: apply through the ordinary application.": (
        "«%(slug)s» қызметі толық автоматтандырылмаған: әдеттегі өтініш арқылы жүгініңіз.",
        "Услуга «%(slug)s» не полностью автоматизирована: подайте обычное заявление.",
    ),
    "Name the missing facts: the refusal lists them.": (
        "Жетіспейтін мәліметтерді атаңыз: бас тартуда олар көрсетіледі.",
        "Укажите недостающие сведения: в отказе они перечисляются.",
    ),
    "The electronic application is incomplete: %(facts)s": (
        "Электрондық өтініш толық емес: %(facts)s",
        "Электронное заявление неполное: %(facts)s",
    ),
    "Only a case in review can be decided.": (
        "Тек қаралып жатқан іс бойынша шешім қабылдауға болады.",
        "Решение принимается только по делу на рассмотрении.",
    ),
    "The facts do not decide the case: %(facts)s": (
        "Мәліметтер іс бойынша шешім қабылдауға жеткіліксіз: %(facts)s",
        "Сведений недостаточно для решения по делу: %(facts)s",
    ),
    "Only a recipient with an IIN applies on the portal.": (
        "Порталда тек ЖСН-і бар көрсетілетін қызметті алушы өтініш береді.",
        "На портале обращается только услугополучатель с ИИН.",
    ),
    "The system cannot decide on %(day)s: the catalogue lacks %(what)s.": (
        "Жүйе %(day)s күні шешім қабылдай алмайды: каталогта %(what)s жоқ.",
        "Система не может принять решение на %(day)s: в каталоге нет %(what)s.",
    ),
    # --- data bank input errors (databank/api.py, databank/services.py) ------------------------------
    "Only a recipient with an IIN can request this certificate.": (
        "Бұл анықтаманы тек ЖСН-і бар көрсетілетін қызметті алушы сұрай алады.",
        "Запросить эту справку может только услугополучатель с ИИН.",
    ),
    "The recipient has no IIN.": (
        "Көрсетілетін қызметті алушының ЖСН-і жоқ.",
        "У услугополучателя нет ИИН.",
    ),
    "Unknown placement kind “%(kind)s”.": (
        "«%(kind)s» орналастыру нысаны белгісіз.",
        "Неизвестная форма устройства «%(kind)s».",
    ),
    # DRF's own texts its Russian catalogue lacks (Django would answer them in Kazakh, LANGUAGE_CODE)
}

# Messages with a number (ngettext): (singular, plural) msgids → (kk forms, ru forms), one form per
# plural category of the language's catalogue (kk: 2, the noun does not change after a numeral;
# ru: 3 — 1, 21 месяц; 2–4 месяца; 5–20 месяцев).
T.update(_hardening.T)  # request bounds, log-in, the error shape (issue 15)

TP: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    (
        "The State Corporation keeps the result for %(months)d month: not before %(day)s.",
        "The State Corporation keeps the result for %(months)d months: not before %(day)s.",
    ): (
        (
            "Мемлекеттік корпорация нәтижені %(months)d ай сақтайды: оны %(day)s дейін тапсыруға болмайды.",
            "Мемлекеттік корпорация нәтижені %(months)d ай сақтайды: оны %(day)s дейін тапсыруға болмайды.",
        ),
        (
            "Государственная корпорация хранит результат %(months)d месяц: передать его можно не ранее %(day)s.",
            "Государственная корпорация хранит результат %(months)d месяца: передать его можно не ранее "
            "%(day)s.",
            "Государственная корпорация хранит результат %(months)d месяцев: передать его можно не ранее "
            "%(day)s.",
        ),
    ),
}


def fill_and_compile(locale_dir=None) -> dict[str, list[str]]:
    """Fill kk/ru (and en = msgid) in every django.po under `locale_dir`, compile .mo. Returns untranslated ids."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    root = Path(locale_dir or Path(__file__).parent)
    missing: dict[str, list[str]] = {}
    for lang in ("kk", "ru", "en"):
        po_path = root / lang / "LC_MESSAGES" / "django.po"
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=lang)
        for msg in catalog:
            if isinstance(msg.id, tuple):  # a plural message: every form of the language, or missing
                forms = TP.get(tuple(msg.id))
                if lang == "en":
                    msg.string = tuple(msg.id)
                elif forms is not None:
                    msg.string = forms[0 if lang == "kk" else 1]
                    if len(msg.string) != catalog.num_plurals:
                        raise ValueError(f"{lang}: {msg.id[0]!r} needs {catalog.num_plurals} plural forms")
                elif not all(msg.string or ()) or msg.fuzzy:
                    msg.string = ("",) * catalog.num_plurals
                    missing.setdefault(lang, []).append(msg.id[0])
                msg.flags.discard("fuzzy")
                continue
            if not msg.id:
                continue
            if lang == "en":
                msg.string = msg.id
            elif msg.id in T:
                msg.string = T[msg.id][0 if lang == "kk" else 1]
            elif not msg.string or msg.fuzzy:  # a fuzzy string is makemessages' guess: never kept
                msg.string = ""
                missing.setdefault(lang, []).append(msg.id)
            msg.flags.discard("fuzzy")
        with po_path.open("wb") as f:
            write_po(f, catalog, width=100)
        with (po_path.with_suffix(".mo")).open("wb") as f:
            write_mo(f, catalog)
    return missing


if __name__ == "__main__":
    gaps = fill_and_compile()
    for lang, ids in gaps.items():
        print(f"{lang}: {len(ids)} untranslated")
        for i in ids:
            print("  ", i)
