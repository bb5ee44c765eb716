"""Messages from other packages' catalogs that this project words differently in Korean.

django-countries' Korean catalog uses official or older names (조선민주주의인민공화국,
몽골리아, 타이); readers in South Korea say 북한, 몽골, 태국. Django looks in LOCALE_PATHS before
any app's catalog, so translating the same English names in locale/ko wins. Listing them here
keeps `makemessages` from dropping them as obsolete. Nothing imports this module.
"""

from django.utils.translation import gettext_noop

COUNTRY_NAMES = (
    gettext_noop("North Korea"),
    gettext_noop("Mongolia"),
    gettext_noop("Thailand"),
)
