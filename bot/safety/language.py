"""Which language a message is written in, for the language of the reply.

Only English and Spanish are told apart: the safety replies exist in both
(988 and Poison Control answer in Spanish too). Common function words decide;
anything else counts as English.
"""

import re

from bot.safety.screen import normalise

ENGLISH = "en"
SPANISH = "es"

# Words frequent in one language and rare in the other (so not "no", "me", "a").
_SPANISH_WORDS = set(
    """que el la los las del al y en un una unos es son mi mis tu su por para con
    sin pero muy mucho mucha tengo tiene tienen tuve estoy esta estan fue ser
    puedo puede pueden hay como cuando donde cuanto cuanta cuesta quiero necesito
    hola gracias ayuda ayudame auxilio duele dolor pecho respirar fiebre sangre
    hijo hija esposo esposa mama papa nino nina bebe cabeza cabello pelo caida
    tratamiento tambien ahora despues antes hace dias semana porque ya todo nada
    yo usted ustedes nos le les se lo despues creo siento vida morir quiero
    clinica precio cita llamar hablar alguien persona de voy vas va vamos van soy
    eres somos hoy ayer manana noche tarde repente miedo veo ver ojo ojos cara boca
    labios lengua garganta brazo pierna matar morir vivir pastillas esposo abuelo
    abuela hermano hermana sangre favor algo algun alguna nadie siempre nunca
    quiero puedes necesita ella ellos nosotros tambien asi mas porfa porfavor""".split()
)
_ENGLISH_WORDS = set(
    """the and is are was i i'm im my you your it it's its to of in on at for with
    this that what how when where why do does did can could would will have has had
    pain hair treatment after since help please can't cant don't dont not just
    he she his her they we our me been be get got feel feeling""".split()
)
# Spanish words that are also English ("yo", "y" for yes) or names: alone,
# they decide nothing ("yo" is a greeting, "y" a yes).
# "fue" is also FUE, the hair-transplant technique.
_AMBIGUOUS = {"yo", "y", "de", "mi", "la", "el", "se", "lo", "van", "son", "va", "hay", "ya", "tu", "es", "fue"}
_WORD = re.compile(r"[a-z']+")


def language_of(text: str) -> str:
    if re.search(r"[¿¡ñÑ]", text):
        return SPANISH
    words = _WORD.findall(normalise(text))
    spanish = sum(w in _SPANISH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    telling = spanish >= 2 or any(w in _SPANISH_WORDS and w not in _AMBIGUOUS for w in words)
    # Spanglish with as much Spanish as English ("my dad no puede respirar
    # and his lips are turning blue, ayuda porfa"): Spanish, whose replies
    # carry the same numbers.
    return SPANISH if telling and (spanish > english or spanish == english >= 3) else ENGLISH
