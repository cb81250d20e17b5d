"""Kazakh and Russian texts of the messages of issue 15 (request bounds, log-in, error shape).

Merged into `translations.T` (kept apart so that no module grows past ~500 lines).
"""

from __future__ import annotations

T: dict[str, tuple[str, str]] = {
    "The token has expired; log in again for a new one.": (
        "Токеннің мерзімі өтті; жаңасын алу үшін қайта кіріңіз.",
        "Срок действия токена истёк; войдите снова, чтобы получить новый.",
    ),
    "Too many failed log-ins. Try again later.": (
        "Кіру әрекеттері тым көп сәтсіз болды. Кейінірек қайталаңыз.",
        "Слишком много неудачных попыток входа. Повторите позже.",
    ),
    "The request is malformed.": ("Сұрау қате құрылған.", "Запрос составлен неверно."),
    "You do not have permission to perform this action.": (
        "Бұл әрекетті орындауға құқығыңыз жоқ.",
        "У вас нет прав на это действие.",
    ),
    "This method is not allowed here.": (
        "Бұл әдіске мұнда рұқсат етілмейді.",
        "Этот метод здесь не допускается.",
    ),
    "The request body is too large.": ("Сұраудың денесі тым үлкен.", "Тело запроса слишком велико."),
    "The request body is too large (at most %(n)d bytes).": (
        "Сұраудың денесі тым үлкен (ең көбі %(n)d байт).",
        "Тело запроса слишком велико (не более %(n)d байт).",
    ),
    "Too many requests; try again later.": (
        "Сұраулар тым көп; кейінірек қайталаңыз.",
        "Слишком много запросов; повторите позже.",
    ),
    "A server error occurred. It has been logged; quote the request id.": (
        "Сервер қатесі орын алды. Ол журналға жазылды; сұрау идентификаторын көрсетіңіз.",
        "Произошла ошибка сервера. Она записана в журнал; сообщите идентификатор запроса.",
    ),
    "The request cannot be served.": ("Сұрауды орындау мүмкін емес.", "Запрос не может быть выполнен."),
    "The Content-Length header is not a number.": (
        "Content-Length тақырыбы сан емес.",
        "Заголовок Content-Length — не число.",
    ),
    "A query parameter contains a NUL character.": (
        "Сұрау параметрінде NUL таңбасы бар.",
        "Параметр запроса содержит символ NUL.",
    ),
    "Send 1 to 100 printable ASCII characters.": (
        "1-ден 100-ге дейін басылатын ASCII таңбасын жіберіңіз.",
        "Передайте от 1 до 100 печатных символов ASCII.",
    ),
    "Text may not contain a NUL character.": (
        "Мәтінде NUL таңбасы болмауы керек.",
        "Текст не может содержать символ NUL.",
    ),
    "JSON nested deeper than %(n)d levels.": (
        "JSON %(n)d деңгейден тереңірек салынған.",
        "JSON вложен глубже %(n)d уровней.",
    ),
    "JSON parse error - %(error)s": ("JSON талдау қатесі - %(error)s", "Ошибка разбора JSON - %(error)s"),
    "This IIN encodes a birth date in the future.": (
        "Бұл ЖСН болашақтағы туған күнді білдіреді.",
        "Этот ИИН указывает дату рождения в будущем.",
    ),
    "A child cannot have the applicant's IIN.": (
        "Баланың ЖСН-і өтініш берушінің ЖСН-імен бірдей болмауы керек.",
        "ИИН ребёнка не может совпадать с ИИН заявителя.",
    ),
    "Remove control, direction-changing and invisible characters.": (
        "Басқару, бағытты өзгертетін және көрінбейтін таңбаларды алып тастаңыз.",
        "Удалите управляющие, меняющие направление и невидимые символы.",
    ),
    "Enter a date between %(first)s and %(last)s.": (
        "%(first)s мен %(last)s аралығындағы күнді енгізіңіз.",
        "Укажите дату между %(first)s и %(last)s.",
    ),
    "At most %(n)d KB of data.": ("Деректер ең көбі %(n)d КБ.", "Не более %(n)d КБ данных."),
    "DEMO: demonstration data and published passwords. Do not enter real personal data.": (
        "ДЕМО: демонстрациялық деректер және жария құпиясөздер. Нақты дербес деректерді енгізбеңіз.",
        "ДЕМО: демонстрационные данные и опубликованные пароли. Не вводите реальные персональные данные.",
    ),
}
