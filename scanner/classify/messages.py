"""Texts of every finding, per rule and language (Dutch is the default report language).

Kept apart from the rule logic so a translator or a privacy officer can review all
wording in one place. Placeholders in braces are filled by the rules; an unknown
placeholder renders as ``?`` rather than failing a report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["LANGUAGES", "LEGAL", "MESSAGES", "PHRASES", "render", "tidy"]

LANGUAGES = ("nl", "en")

TW_11_7A = (
    "https://wetten.overheid.nl/jci1.3:c:BWBR0009950&hoofdstuk=11&paragraaf=11.1&artikel=11.7a"
)
AP_COOKIES = "https://autoriteitpersoonsgegevens.nl/themas/internet-slimme-apparaten/cookies"
AP_ANALYTICS = "https://autoriteitpersoonsgegevens.nl/themas/internet-slimme-apparaten/cookies/google-analytics"
GDPR = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
EDPB_BANNERS = (
    "https://www.edpb.europa.eu/our-work-tools/our-documents/other/"
    "report-work-undertaken-cookie-banner-taskforce_en"
)
"""EDPB, Report of the work undertaken by the Cookie Banner Taskforce (17 January 2023)."""

_FREE_CONSENT = "AVG art. 4 punt 11 en art. 7 (vrije, ondubbelzinnige toestemming)"

LEGAL: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "cookie-tracking-before-consent": ("Telecommunicatiewet art. 11.7a", TW_11_7A),
        "cookie-unknown-third-party": ("Telecommunicatiewet art. 11.7a", TW_11_7A),
        "storage-tracking-before-consent": ("Telecommunicatiewet art. 11.7a", TW_11_7A),
        "tracker-request-before-consent": (
            "Telecommunicatiewet art. 11.7a; AVG art. 6",
            TW_11_7A,
        ),
        "analytics-before-consent": ("AP: cookies voor analytische doeleinden", AP_ANALYTICS),
        "session-replay-before-consent": ("Telecommunicatiewet art. 11.7a", TW_11_7A),
        "fingerprinting-api": (
            "Telecommunicatiewet art. 11.7a; EDPB-richtsnoeren 2/2023 over art. 5 lid 3 "
            "ePrivacyrichtlijn",
            TW_11_7A,
        ),
        "identifier-in-url": ("Telecommunicatiewet art. 11.7a; AVG art. 6", TW_11_7A),
        "transfer-outside-eea-before-consent": ("AVG art. 44", GDPR),
        "embed-before-consent": ("Telecommunicatiewet art. 11.7a", TW_11_7A),
        "third-party-fonts": ("AVG art. 6 en art. 44; LG München I, 3 O 17493/20", GDPR),
        "cookie-long-lifetime": ("AVG art. 5 lid 1 onder e; AP: cookies", AP_COOKIES),
        "cookie-insecure-attributes": ("AVG art. 32", GDPR),
        "cookie-blocked": ("Telecommunicatiewet art. 11.7a", TW_11_7A),
        "no-banner-while-tracking": (
            "Telecommunicatiewet art. 11.7a; " + _FREE_CONSENT,
            TW_11_7A,
        ),
        "reject-not-on-first-layer": (
            _FREE_CONSENT + "; AP: weigeren moet even makkelijk zijn als accepteren; "
            "EDPB Cookie Banner Taskforce (2023)",
            EDPB_BANNERS,
        ),
        "cookie-wall": (
            _FREE_CONSENT + ", art. 7 lid 4 en overweging 43 (overheid); AP: cookiewalls",
            AP_COOKIES,
        ),
        "refusal-not-possible": (
            _FREE_CONSENT + "; AP: weigeren moet even makkelijk zijn als accepteren",
            AP_COOKIES,
        ),
        "consent-not-remembered": (
            _FREE_CONSENT + "; EDPB Cookie Banner Taskforce (2023)",
            EDPB_BANNERS,
        ),
        "tracking-after-refusal": (
            "Telecommunicatiewet art. 11.7a; AVG art. 6",
            TW_11_7A,
        ),
        "cookie-kept-after-refusal": (
            "Telecommunicatiewet art. 11.7a; AVG art. 5 lid 1 onder a en c",
            TW_11_7A,
        ),
        "inventory-after-accept": (
            "Telecommunicatiewet art. 11.7a lid 1 onder a; AVG art. 13",
            TW_11_7A,
        ),
    }
)
"""Rule → (legal basis, public URL of the text or guidance)."""

_AP_CONDITIONS_NL = (
    "De AP staat analytics zonder toestemming alleen toe als die privacyvriendelijk is "
    "ingericht: (1) er is een verwerkersovereenkomst met de leverancier; (2) IP-adressen "
    "worden ingekort of gemaskeerd voordat ze worden opgeslagen; (3) het delen van gegevens "
    "met de leverancier voor diens eigen doelen staat uit; (4) de gegevens worden niet "
    "gecombineerd met andere diensten van de leverancier (zoals advertenties of "
    "User-ID) en niet met anderen gedeeld; (5) de gegevens worden niet langer bewaard "
    "dan nodig; en (6) bezoekers worden hierover geïnformeerd in de privacy- of "
    "cookieverklaring. Analytics die u zelf op de eigen server draait, zonder "
    "identificatoren die over websites heen werken, heeft de minste risico's."
)
_AP_CONDITIONS_EN = (
    "The Dutch DPA (AP) allows analytics without consent only when it is set up in a "
    "privacy-friendly way: (1) a processor agreement with the vendor is in place; (2) IP "
    "addresses are shortened or masked before storage; (3) data sharing with the vendor "
    "for its own purposes is switched off; (4) the data is not combined with the vendor's "
    "other services (such as advertising or User-ID) nor shared with others; (5) the "
    "data is kept no longer than necessary; and (6) visitors are told about it in the "
    "privacy or cookie statement. Analytics you run on your own server, without "
    "identifiers that work across websites, carries the least risk."
)

_CM_NL = (
    "Google Consent Mode heeft twee vormen. In de basisvorm laadt Google niets tot de "
    "bezoeker toestemming geeft. In de geavanceerde vorm stuurt de tag vóór toestemming "
    "'cookieloze' pings naar Google (parameter gcs=G100: opslag voor advertenties en "
    "analytics geweigerd). Die bevatten geen cookie-ID, maar wel het IP-adres, de browser"
    " en de bezochte pagina, en Google gebruikt ze om gedrag te modelleren."
)
_CM_EN = (
    "Google Consent Mode comes in two forms. In basic mode Google loads nothing until the"
    " visitor consents. In advanced mode the tag sends 'cookieless' pings to Google "
    "before consent (parameter gcs=G100: ad and analytics storage denied). They carry no "
    "cookie ID, but they do carry the IP address, the browser and the page visited, and "
    "Google uses them to model behaviour."
)

MESSAGES: Mapping[str, Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "cookie-tracking-before-consent": {
            "nl": {
                "title": "Volgcookie {cookie} van {organisation} geplaatst vóór toestemming",
                "explanation": (
                    "De cookie {cookie} (domein {domain}) hoort bij {service} en dient voor "
                    "{category}. Hij werd geplaatst voordat de bezoeker een keuze had gemaakt. "
                    "Zulke cookies zijn niet strikt noodzakelijk; de Telecommunicatiewet "
                    "vereist voor het plaatsen en uitlezen ervan voorafgaande toestemming."
                ),
                "fix": (
                    "Laad {service} pas nadat de bezoeker toestemming heeft gegeven: koppel "
                    "het script aan de toestemmingscategorie in uw cookiebanner of "
                    "tagmanager, of verwijder de dienst als u hem niet nodig hebt."
                ),
            },
            "en": {
                "title": "Tracking cookie {cookie} from {organisation} set before consent",
                "explanation": (
                    "The cookie {cookie} (domain {domain}) belongs to {service} and serves "
                    "{category}. It was set before the visitor made any choice. Such cookies "
                    "are not strictly necessary; the Dutch Telecommunications Act requires "
                    "prior consent for storing and reading them."
                ),
                "fix": (
                    "Load {service} only after the visitor consents: tie the script to the "
                    "consent category in your cookie banner or tag manager, or remove the "
                    "service if you do not need it."
                ),
            },
        },
        "cookie-unknown-third-party": {
            "nl": {
                "title": "Cookie {cookie} van derde partij {domain} met onbekend doel",
                "explanation": (
                    "Een derde partij ({domain}) plaatste de cookie {cookie} voordat de "
                    "bezoeker een keuze maakte. Wij herkennen deze cookie niet, dus het doel "
                    "is onbekend. Alleen strikt noodzakelijke cookies mogen zonder "
                    "toestemming; cookies van derden zijn dat zelden."
                ),
                "fix": (
                    "Zoek uit welk onderdeel van de site {domain} laadt en waarvoor de cookie "
                    "dient. Is hij niet strikt noodzakelijk, laad dat onderdeel dan pas na "
                    "toestemming."
                ),
            },
            "en": {
                "title": "Cookie {cookie} from third party {domain} with unknown purpose",
                "explanation": (
                    "A third party ({domain}) set the cookie {cookie} before the visitor made "
                    "a choice. We do not recognise it, so its purpose is unknown. Only "
                    "strictly necessary cookies are allowed without consent; third-party "
                    "cookies rarely are."
                ),
                "fix": (
                    "Find out which part of the site loads {domain} and what the cookie is "
                    "for. If it is not strictly necessary, load that part only after consent."
                ),
            },
        },
        "storage-tracking-before-consent": {
            "nl": {
                "title": "{service} schrijft '{key}' in de browseropslag vóór toestemming",
                "explanation": (
                    "{service} ({organisation}) sloeg '{key}' op in {kind} van {origin} "
                    "voordat de bezoeker een keuze maakte. Voor browseropslag geldt dezelfde "
                    "regel als voor cookies: wat niet strikt noodzakelijk is, vereist "
                    "voorafgaande toestemming."
                ),
                "fix": "Laad {service} pas nadat de bezoeker toestemming heeft gegeven.",
            },
            "en": {
                "title": "{service} writes '{key}' to browser storage before consent",
                "explanation": (
                    "{service} ({organisation}) stored '{key}' in {kind} of {origin} before "
                    "the visitor made a choice. Browser storage falls under the same rule as "
                    "cookies: anything not strictly necessary requires prior consent."
                ),
                "fix": "Load {service} only after the visitor consents.",
            },
        },
        "tracker-request-before-consent": {
            "nl": {
                "title": "Gegevens naar {organisation} ({category}) vóór toestemming",
                "explanation": (
                    "Voordat de bezoeker een keuze maakte, stuurde de browser verzoeken naar "
                    "{organisation} ({hosts}), een partij voor {category}. Zulke verzoeken "
                    "(scripts, pixels, beacons) lezen gegevens van het apparaat uit en geven "
                    "het IP-adres en de bezochte pagina door, ook zonder cookie. Daarvoor is "
                    "voorafgaande toestemming nodig."
                ),
                "fix": (
                    "Laad de scripts en pixels van {organisation} pas na toestemming "
                    "(bijvoorbeeld via de toestemmingsmodus van uw tagmanager), of verwijder "
                    "ze."
                ),
            },
            "en": {
                "title": "Data sent to {organisation} ({category}) before consent",
                "explanation": (
                    "Before the visitor made a choice, the browser sent requests to "
                    "{organisation} ({hosts}), a {category} party. Such requests (scripts, "
                    "pixels, beacons) read information from the device and pass on the IP "
                    "address and the page visited, even without a cookie. This requires "
                    "prior consent."
                ),
                "fix": (
                    "Load {organisation}'s scripts and pixels only after consent (for "
                    "example through your tag manager's consent mode), or remove them."
                ),
            },
        },
        "analytics-before-consent": {
            "nl": {
                "title": "{service} meet bezoekers vóór toestemming",
                "explanation": (
                    "{service} ({organisation}) meet het bezoek voordat de bezoeker een keuze "
                    "maakte. " + _AP_CONDITIONS_NL + " Controleer of aan al deze voorwaarden "
                    "is voldaan; zo niet, dan is toestemming nodig."
                ),
                "fix": (
                    "Stel {service} privacyvriendelijk in volgens de AP-voorwaarden en leg dat "
                    "vast, of laad het pas na toestemming. Overweeg analytics op de eigen "
                    "server zonder cookies die over websites heen werken."
                ),
            },
            "en": {
                "title": "{service} measures visitors before consent",
                "explanation": (
                    "{service} ({organisation}) measures the visit before the visitor made a "
                    "choice. " + _AP_CONDITIONS_EN + " Check that every condition is met; "
                    "otherwise consent is required."
                ),
                "fix": (
                    "Configure {service} privacy-friendly under the AP's conditions and "
                    "document it, or load it only after consent. Consider self-hosted "
                    "analytics without cross-site identifiers."
                ),
            },
        },
        "analytics-self-hosted": {
            "nl": {
                "title": "Eigen analytics ({service}) op het eigen domein",
                "explanation": (
                    "{service} draait op het eigen domein, zonder verzoeken naar een derde "
                    "partij. Dat is de privacyvriendelijke vorm die de AP zonder toestemming "
                    "toestaat, mits IP-adressen worden ingekort, gegevens niet worden gedeeld "
                    "of met andere gegevens gecombineerd, niet langer dan nodig worden "
                    "bewaard en bezoekers hierover worden geïnformeerd."
                ),
                "fix": (
                    "Geen actie nodig als IP-anonimisering aan staat en de cookieverklaring "
                    "dit vermeldt."
                ),
            },
            "en": {
                "title": "Self-hosted analytics ({service}) on the site's own domain",
                "explanation": (
                    "{service} runs on the site's own domain without requests to a third "
                    "party. That is the privacy-friendly form the AP allows without consent, "
                    "provided IP addresses are shortened, data is not shared or combined, "
                    "kept no longer than necessary and visitors are informed."
                ),
                "fix": (
                    "No action needed if IP anonymisation is on and the cookie statement "
                    "mentions it."
                ),
            },
        },
        "session-replay-before-consent": {
            "nl": {
                "title": "Sessie-opname door {service} vóór toestemming",
                "explanation": (
                    "{service} ({organisation}) legt vast hoe de bezoeker scrolt, klikt en "
                    "typt, zodat het bezoek later kan worden 'afgespeeld'. Dat gaat veel "
                    "verder dan bezoekers tellen en kan ingevulde gegevens vastleggen. Het "
                    "begon voordat de bezoeker een keuze maakte; daarvoor is toestemming "
                    "nodig."
                ),
                "fix": (
                    "Start {service} pas na toestemming, of schakel het uit. Gebruik het "
                    "hoogstens tijdelijk, met maskering van alle invoervelden."
                ),
            },
            "en": {
                "title": "Session recording by {service} before consent",
                "explanation": (
                    "{service} ({organisation}) records how the visitor scrolls, clicks and "
                    "types so the visit can be 'replayed' later. That goes far beyond counting "
                    "visitors and may capture entered data. It started before the visitor "
                    "made a choice; this requires consent."
                ),
                "fix": (
                    "Start {service} only after consent, or switch it off. Use it at most "
                    "temporarily, with all input fields masked."
                ),
            },
        },
        "fingerprinting-api": {
            "nl": {
                "title": "Fingerprinting door {organisation} vóór toestemming",
                "explanation": (
                    "Een script van {organisation} ({domain}) las browserkenmerken uit die "
                    "samen een apparaat herkenbaar maken: {apis} (scripts: {scripts}). Zo'n "
                    "'vingerafdruk' werkt als een cookie die de bezoeker niet kan wissen. "
                    "Het uitlezen van informatie van het apparaat valt onder de "
                    "cookiebepaling (Telecommunicatiewet art. 11.7a, 'vergelijkbare "
                    "technieken'; de AP en de EDPB-richtsnoeren 2/2023 noemen fingerprinting "
                    "uitdrukkelijk) en vereist voorafgaande toestemming. Het gebeurde "
                    "voordat de bezoeker een keuze maakte."
                ),
                "fix": (
                    "Laad het script van {organisation} pas na toestemming, of verwijder het. "
                    "Vraag de leverancier waarvoor het canvas, WebGL of audio uitleest."
                ),
            },
            "en": {
                "title": "Fingerprinting by {organisation} before consent",
                "explanation": (
                    "A script of {organisation} ({domain}) read browser features that together "
                    "single out a device: {apis} (scripts: {scripts}). Such a 'fingerprint' "
                    "works like a cookie the visitor cannot delete. Reading information from "
                    "the device falls under the cookie provision (Dutch Telecommunications "
                    "Act art. 11.7a, 'similar technologies'; the AP and EDPB Guidelines "
                    "2/2023 name fingerprinting explicitly) and requires prior consent. It "
                    "happened before the visitor made a choice."
                ),
                "fix": (
                    "Load the script of {organisation} only after consent, or remove it. Ask "
                    "the vendor why it reads canvas, WebGL or audio."
                ),
            },
        },
        "fingerprinting-api-security": {
            "nl": {
                "title": "{service} leest browserkenmerken uit vóór toestemming",
                "explanation": (
                    "{service} ({organisation}, {domain}) las browserkenmerken uit die ook "
                    "voor fingerprinting dienen: {apis} (scripts: {scripts}). Bij "
                    "bot- en fraudebestrijding kan dat zonder toestemming als het strikt "
                    "noodzakelijk is voor een dienst waar de bezoeker om vraagt (zoals een "
                    "formulier), maar niet op elke pagina en niet voor andere doelen."
                ),
                "fix": (
                    "Laad {service} alleen op de pagina's die het echt nodig hebben (het "
                    "formulier), en leg in de cookieverklaring uit wat het uitleest."
                ),
            },
            "en": {
                "title": "{service} reads browser features before consent",
                "explanation": (
                    "{service} ({organisation}, {domain}) read browser features that also "
                    "serve fingerprinting: {apis} (scripts: {scripts}). For bot and fraud "
                    "protection that may be done without consent when strictly necessary for "
                    "a service the visitor asked for (such as a form), but not on every page "
                    "and not for other purposes."
                ),
                "fix": (
                    "Load {service} only on the pages that need it (the form), and explain in "
                    "the cookie statement what it reads."
                ),
            },
        },
        "fingerprinting-api-first-party": {
            "nl": {
                "title": "Eigen script leest canvas, WebGL of audio uit",
                "explanation": (
                    "Een script op het eigen domein ({domain}) las browserkenmerken uit die "
                    "ook voor fingerprinting dienen: {apis} (scripts: {scripts}). Dat kan "
                    "onschuldig zijn (een grafiek als afbeelding opslaan, een emoji-test), "
                    "maar het kan ook een ingebouwd of zelf-gehost volgscript zijn."
                ),
                "fix": (
                    "Controleer waarvoor dit script de kenmerken uitleest. Is het "
                    "fingerprinting, laad het dan pas na toestemming of verwijder het."
                ),
            },
            "en": {
                "title": "Own script reads canvas, WebGL or audio",
                "explanation": (
                    "A script on the site's own domain ({domain}) read browser features that "
                    "also serve fingerprinting: {apis} (scripts: {scripts}). That may be "
                    "harmless (saving a chart as an image, an emoji test), but it may also be "
                    "a bundled or self-hosted tracking script."
                ),
                "fix": (
                    "Check what this script reads the features for. If it is fingerprinting, "
                    "load it only after consent or remove it."
                ),
            },
        },
        "identifier-in-url": {
            "nl": {
                "title": "Identificatoren in URL's naar {domain}",
                "explanation": (
                    "Verzoeken naar {domain} ({organisation}) bevatten waarden die een "
                    "bezoeker of apparaat herkenbaar maken (parameters: {params}). Zo kan de "
                    "ontvanger de bezoeker volgen, ook zonder cookie van het eigen domein. "
                    "Dit gebeurde vóór toestemming."
                ),
                "fix": (
                    "Laad de dienst die deze verzoeken doet pas na toestemming, of stel hem "
                    "zo in dat hij geen bezoeker- of klant-ID meestuurt."
                ),
            },
            "en": {
                "title": "Identifiers in URLs sent to {domain}",
                "explanation": (
                    "Requests to {domain} ({organisation}) carry values that single out a "
                    "visitor or device (parameters: {params}). The recipient can follow the "
                    "visitor with them, even without a cookie of its own. This happened "
                    "before consent."
                ),
                "fix": (
                    "Load the service making these requests only after consent, or configure "
                    "it not to send visitor or client IDs."
                ),
            },
        },
        "transfer-outside-eea-before-consent": {
            "nl": {
                "title": "Doorgifte aan {organisation} ({country}) buiten de EER vóór toestemming",
                "explanation": (
                    "De browser van de bezoeker nam contact op met {organisation}, gevestigd "
                    "in {country}, buiten de Europese Economische Ruimte ({hosts}). Daarbij "
                    "gaan in ieder geval het IP-adres en vaak identificatoren mee: "
                    "persoonsgegevens. Doorgifte buiten de EER mag alleen met een grondslag "
                    "uit hoofdstuk V van de AVG (bijvoorbeeld een adequaatheidsbesluit zoals "
                    "het EU-VS Data Privacy Framework voor gecertificeerde bedrijven, of "
                    "modelcontractbepalingen) én een grondslag voor de verwerking zelf; vóór "
                    "toestemming ontbreekt die laatste meestal."
                ),
                "fix": (
                    "Laad diensten van {organisation} pas na toestemming, host bestanden "
                    "(scripts, lettertypen) zelf, of kies een leverancier binnen de EER. "
                    "Leg de doorgiftegrondslag vast in het verwerkingsregister."
                ),
            },
            "en": {
                "title": "Transfer to {organisation} ({country}) outside the EEA before consent",
                "explanation": (
                    "The visitor's browser contacted {organisation}, based in {country}, "
                    "outside the European Economic Area ({hosts}). At least the IP address "
                    "and often identifiers are sent: personal data. A transfer outside the "
                    "EEA needs a ground in chapter V GDPR (such as an adequacy decision, e.g. "
                    "the EU-US Data Privacy Framework for certified companies, or standard "
                    "contractual clauses) as well as a legal basis for the processing itself; "
                    "before consent the latter is usually missing."
                ),
                "fix": (
                    "Load {organisation}'s services only after consent, self-host files "
                    "(scripts, fonts), or choose a vendor inside the EEA. Record the transfer "
                    "ground in the register of processing activities."
                ),
            },
        },
        "embed-before-consent": {
            "nl": {
                "title": "Ingesloten {service} plaatst cookies of opslag vóór toestemming",
                "explanation": (
                    "Een ingesloten {service}-element ({organisation}) plaatste {items} "
                    "voordat de bezoeker een keuze maakte. Daarmee kan {organisation} de "
                    "bezoeker herkennen en volgen, ook als die de video of kaart niet "
                    "gebruikt."
                ),
                "fix": (
                    "Gebruik klik-om-te-laden: toon eerst een afbeelding met uitleg en laad "
                    "{service} pas na een klik of na toestemming. Voor YouTube: gebruik "
                    "youtube-nocookie.com in combinatie met klik-om-te-laden."
                ),
            },
            "en": {
                "title": "Embedded {service} sets cookies or storage before consent",
                "explanation": (
                    "An embedded {service} element ({organisation}) set {items} before the "
                    "visitor made a choice. {organisation} can recognise and follow the "
                    "visitor with it, even if they never use the video or map."
                ),
                "fix": (
                    "Use click-to-load: show a placeholder image with an explanation and "
                    "load {service} only on click or after consent. For YouTube, use "
                    "youtube-nocookie.com together with click-to-load."
                ),
            },
        },
        "third-party-fonts": {
            "nl": {
                "title": "Lettertypen geladen van {organisation}",
                "explanation": (
                    "De site laadt lettertypen van {organisation} ({hosts}). Elke bezoeker "
                    "geeft daarbij zijn IP-adres door, zonder dat dat nodig is: lettertypen "
                    "kunnen ook vanaf de eigen server worden geleverd. Het Landgericht "
                    "München oordeelde in 2022 (3 O 17493/20) dat het doorgeven van het "
                    "IP-adres aan Google via Google Fonts zonder toestemming onrechtmatig was."
                ),
                "fix": (
                    "Download de lettertypen en host ze op de eigen server (bijvoorbeeld via "
                    "google-webfonts-helper); verwijder de verwijzing naar {hosts}."
                ),
            },
            "en": {
                "title": "Fonts loaded from {organisation}",
                "explanation": (
                    "The site loads fonts from {organisation} ({hosts}). Every visitor's IP "
                    "address is passed on, without need: fonts can be served from your own "
                    "server. The Munich regional court ruled in 2022 (3 O 17493/20) that "
                    "passing the IP address to Google through Google Fonts without consent "
                    "was unlawful."
                ),
                "fix": (
                    "Download the fonts and host them on your own server (for example with "
                    "google-webfonts-helper); remove the reference to {hosts}."
                ),
            },
        },
        "cookie-long-lifetime": {
            "nl": {
                "title": "Cookie {cookie} blijft {lifetime} bestaan",
                "explanation": (
                    "De cookie {cookie} heeft een looptijd van {lifetime}, langer dan 13 "
                    "maanden. Toezichthouders (de Franse CNIL met name, en de AP verwijst "
                    "naar bewaartermijnen die niet langer zijn dan nodig) beschouwen 13 "
                    "maanden als maximum; daarna hoort opnieuw toestemming te worden gevraagd."
                ),
                "fix": "Beperk de looptijd van {cookie} tot hoogstens 13 maanden.",
            },
            "en": {
                "title": "Cookie {cookie} lives for {lifetime}",
                "explanation": (
                    "The cookie {cookie} lives for {lifetime}, longer than 13 months. "
                    "Regulators (notably the French CNIL; the AP requires retention no longer "
                    "than necessary) treat 13 months as the maximum; after that consent "
                    "should be asked again."
                ),
                "fix": "Limit the lifetime of {cookie} to at most 13 months.",
            },
        },
        "cookie-insecure-attributes": {
            "nl": {
                "title": "Cookie {cookie} mist beveiligingsattributen",
                "explanation": (
                    "De cookie {cookie} van de eigen site mist: {problems}. Zonder deze "
                    "attributen kan de cookie onderschept of door scripts uitgelezen worden, "
                    "of meegaan bij verzoeken van andere sites."
                ),
                "fix": "Zet bij het plaatsen van {cookie}: {fixes}.",
            },
            "en": {
                "title": "Cookie {cookie} lacks security attributes",
                "explanation": (
                    "The site's own cookie {cookie} lacks: {problems}. Without these "
                    "attributes the cookie can be intercepted, read by scripts, or sent "
                    "along with requests from other sites."
                ),
                "fix": "When setting {cookie}, add: {fixes}.",
            },
        },
        "cookie-blocked": {
            "nl": {
                "title": "Cookie {cookie} geweigerd door de browser",
                "explanation": (
                    "De site probeerde {cookie} te plaatsen, maar de browser weigerde hem "
                    "({reasons}). Hij is dus niet opgeslagen en telt niet mee als geplaatste "
                    "cookie; in een andere browser kan hij wel worden opgeslagen."
                ),
                "fix": (
                    "Controleer of deze cookie vóór toestemming nodig is; zo niet, plaats "
                    "hem dan pas na toestemming."
                ),
            },
            "en": {
                "title": "Cookie {cookie} refused by the browser",
                "explanation": (
                    "The site tried to set {cookie}, but the browser refused it ({reasons}). "
                    "It was not stored and does not count as a set cookie; another browser "
                    "may store it."
                ),
                "fix": (
                    "Check whether this cookie is needed before consent; if not, set it only "
                    "after consent."
                ),
            },
        },
        "analytics-consent-mode": {
            "nl": {
                "title": "{service} zonder cookies vóór toestemming (Consent Mode)",
                "explanation": (
                    "{service} ({organisation}) stuurde vóór toestemming meetverzoeken naar "
                    "Google, maar plaatste geen analytics-cookie en stuurde geen "
                    "bezoekers-ID mee. " + _CM_NL + " Dat is minder dan volgen met een "
                    "cookie, maar niet 'schoon': " + _AP_CONDITIONS_NL
                ),
                "fix": (
                    "Gebruik de basisvorm van Consent Mode (Google pas laden na "
                    "toestemming), of leg vast waarom de cookieloze pings voldoen aan de "
                    "AP-voorwaarden. Overweeg analytics op de eigen server."
                ),
            },
            "en": {
                "title": "{service} without cookies before consent (Consent Mode)",
                "explanation": (
                    "{service} ({organisation}) sent measurement requests to Google before "
                    "consent, but stored no analytics cookie and sent no visitor ID. "
                    + _CM_EN
                    + " That is less than tracking with a cookie, but not 'clean': "
                    + _AP_CONDITIONS_EN
                ),
                "fix": (
                    "Use Consent Mode's basic form (load Google only after consent), or "
                    "document why the cookieless pings meet the AP's conditions. Consider "
                    "self-hosted analytics."
                ),
            },
        },
        "transfer-outside-eea-consent-mode": {
            "nl": {
                "title": "Cookieloze verzoeken naar {organisation} ({country}) vóór toestemming",
                "explanation": (
                    "De browser nam vóór toestemming contact op met {organisation} "
                    "({hosts}), buiten de EER, maar alleen voor de tagmanager en cookieloze "
                    "meetverzoeken: er werd geen Google-cookie opgeslagen en geen "
                    "bezoekers-ID meegestuurd. " + _CM_NL + " Het IP-adres is een "
                    "persoonsgegeven; voor de doorgifte is een grondslag uit hoofdstuk V "
                    "AVG nodig."
                ),
                "fix": (
                    "Kies de basisvorm van Consent Mode (niets laden vóór toestemming) of "
                    "leg de grondslag voor de doorgifte vast in het verwerkingsregister."
                ),
            },
            "en": {
                "title": "Cookieless requests to {organisation} ({country}) before consent",
                "explanation": (
                    "Before consent the browser contacted {organisation} ({hosts}), outside "
                    "the EEA, but only for the tag manager and cookieless measurement: no "
                    "Google cookie was stored and no visitor ID sent. " + _CM_EN + " The IP "
                    "address is personal data; the transfer needs a ground in chapter V GDPR."
                ),
                "fix": (
                    "Choose Consent Mode's basic form (nothing loaded before consent) or "
                    "record the transfer ground in the register of processing activities."
                ),
            },
        },
        "no-banner-while-tracking": {
            "nl": {
                "title": "Geen cookiebanner, wel volgen vóór toestemming",
                "explanation": (
                    "Op {site} vonden wij geen cookiebanner of ander toestemmingsverzoek, "
                    "terwijl de site bezoekers al volgt ({trackers}). Zonder vraag kan een "
                    "bezoeker geen toestemming geven en ook niet weigeren: alles wat niet "
                    "strikt noodzakelijk is, gebeurt dan zonder grondslag."
                ),
                "fix": (
                    "Verwijder de volgdiensten, of vraag vooraf toestemming met een banner "
                    "waarin weigeren even makkelijk is als accepteren, en laad de diensten "
                    "pas na toestemming."
                ),
            },
            "en": {
                "title": "No cookie banner, yet tracking before consent",
                "explanation": (
                    "We found no cookie banner or other consent request on {site}, while the "
                    "site already tracks visitors ({trackers}). Without a question a visitor "
                    "can neither consent nor refuse: everything not strictly necessary "
                    "happens without a legal basis."
                ),
                "fix": (
                    "Remove the tracking services, or ask for consent first with a banner in "
                    "which refusing is as easy as accepting, and load the services only "
                    "after consent."
                ),
            },
        },
        "reject-not-on-first-layer": {
            "nl": {
                "title": "Geen knop om te weigeren in de eerste laag van de cookiebanner",
                "explanation": (
                    "De cookiebanner ({cmp}) biedt in de eerste laag alleen: {buttons}. "
                    "Weigeren staat daar niet naast accepteren. {layer}De AP eist dat "
                    "weigeren even makkelijk is als accepteren; de Europese toezichthouders "
                    "(EDPB, Cookie Banner Taskforce 2023) zien het ontbreken van een "
                    "weigerknop in de eerste laag als een schending van vrije toestemming."
                ),
                "fix": (
                    "Zet een knop 'Weigeren' (of 'Alleen noodzakelijke cookies') in de "
                    "eerste laag, even groot en opvallend als 'Accepteren'."
                ),
            },
            "en": {
                "title": "No refusal button on the cookie banner's first layer",
                "explanation": (
                    "The cookie banner ({cmp}) offers on its first layer only: {buttons}. "
                    "Refusing is not offered next to accepting. {layer}The AP requires "
                    "refusing to be as easy as accepting; the European regulators (EDPB, "
                    "Cookie Banner Taskforce 2023) consider a missing refusal button on the "
                    "first layer an infringement of freely given consent."
                ),
                "fix": (
                    "Put a 'Refuse' (or 'Necessary cookies only') button on the first layer, "
                    "as large and visible as 'Accept'."
                ),
            },
        },
        "cookie-wall": {
            "nl": {
                "title": "Cookiewall: de site is pas bruikbaar na toestemming",
                "explanation": (
                    "De cookiebanner ({cmp}) bedekt de pagina tot de bezoeker kiest, en biedt "
                    "geen manier om te weigeren (knoppen: {buttons}); ook wij konden niet "
                    "weigeren. Toestemming onder druk is niet vrij gegeven; de AP staat "
                    "cookiewalls niet toe. Voor een overheidssite weegt dit extra zwaar: "
                    "inwoners moeten de informatie en diensten van hun gemeente kunnen "
                    "gebruiken zonder zich te laten volgen (AVG overweging 43)."
                ),
                "fix": (
                    "Maak de site bruikbaar zonder toestemming: voeg een knop 'Weigeren' toe "
                    "in de eerste laag en laat de pagina na weigeren gewoon werken."
                ),
            },
            "en": {
                "title": "Cookie wall: the site is usable only after consent",
                "explanation": (
                    "The cookie banner ({cmp}) covers the page until the visitor chooses and "
                    "offers no way to refuse (buttons: {buttons}); we could not refuse "
                    "either. Consent under pressure is not freely given; the AP does not "
                    "allow cookie walls. For a government site this weighs even more: "
                    "residents must be able to use their municipality's information and "
                    "services without being tracked (GDPR recital 43)."
                ),
                "fix": (
                    "Make the site usable without consent: add a 'Refuse' button on the "
                    "first layer and let the page work normally after refusal."
                ),
            },
        },
        "refusal-not-possible": {
            "nl": {
                "title": "Weigeren via de cookiebanner lukte niet",
                "explanation": (
                    "De cookiebanner ({cmp}, knoppen: {buttons}) bood ons geen werkende "
                    "manier om te weigeren ({reason}). Als weigeren niet of nauwelijks kan, "
                    "is toestemming niet vrij gegeven; de AP eist dat weigeren even makkelijk "
                    "is als accepteren."
                ),
                "fix": (
                    "Zorg voor een duidelijke knop 'Weigeren' in de eerste laag die de "
                    "banner sluit en de keuze vastlegt. Controleer ook de werking met "
                    "toetsenbord en schermlezer."
                ),
            },
            "en": {
                "title": "Refusing on the cookie banner did not work",
                "explanation": (
                    "The cookie banner ({cmp}, buttons: {buttons}) offered us no working way "
                    "to refuse ({reason}). If refusing is impossible or hard, consent is not "
                    "freely given; the AP requires refusing to be as easy as accepting."
                ),
                "fix": (
                    "Provide a clear 'Refuse' button on the first layer that closes the "
                    "banner and records the choice. Also check it works with a keyboard and "
                    "a screen reader."
                ),
            },
        },
        "consent-not-remembered": {
            "nl": {
                "title": "De cookiebanner onthoudt de keuze niet",
                "explanation": (
                    "Na {choices} verscheen de cookiebanner op de volgende pagina opnieuw. "
                    "Een bezoeker die steeds opnieuw moet kiezen, klikt uiteindelijk op "
                    "'accepteren' om ervan af te zijn; ook kan de keuze dan niet zijn "
                    "doorgevoerd. Controleer of de keuze wordt opgeslagen."
                ),
                "fix": (
                    "Sla de keuze op in een (noodzakelijke) toestemmingscookie voor het hele "
                    "domein en toon de banner pas weer als de keuze verloopt."
                ),
            },
            "en": {
                "title": "The cookie banner does not remember the choice",
                "explanation": (
                    "After {choices} the cookie banner appeared again on the next page. A "
                    "visitor who must choose again and again ends up clicking 'accept' to "
                    "get rid of it, and the choice may not have been applied. Check that the "
                    "choice is stored."
                ),
                "fix": (
                    "Store the choice in a (strictly necessary) consent cookie for the whole "
                    "domain and show the banner again only when the choice expires."
                ),
            },
        },
        "tracking-after-refusal": {
            "nl": {
                "title": "Volgcookie {cookie} van {organisation} geplaatst ná weigeren",
                "explanation": (
                    "De bezoeker weigerde cookies, en daarna werd de cookie {cookie} (domein "
                    "{domain}, {service}, {category}) toch geplaatst. Wie weigert, mag niet "
                    "worden gevolgd: dit negeert de keuze van de bezoeker."
                ),
                "fix": (
                    "Koppel {service} aan de toestemmingscategorie in uw cookiebanner of "
                    "tagmanager, zodat het na weigeren niet laadt, en test dat na elke "
                    "wijziging."
                ),
            },
            "en": {
                "title": "Tracking cookie {cookie} from {organisation} set after refusal",
                "explanation": (
                    "The visitor refused cookies, yet afterwards the cookie {cookie} (domain "
                    "{domain}, {service}, {category}) was set. A visitor who refuses must not "
                    "be tracked: this ignores the visitor's choice."
                ),
                "fix": (
                    "Tie {service} to the consent category in your cookie banner or tag "
                    "manager so it does not load after refusal, and test this after every "
                    "change."
                ),
            },
        },
        "tracking-after-refusal-analytics": {
            "nl": {
                "title": "Analytics-cookie {cookie} ({service}) geplaatst ná weigeren",
                "explanation": (
                    "De bezoeker weigerde cookies, en daarna plaatste {service} "
                    "({organisation}) toch de cookie {cookie}. Dat mag alleen als deze "
                    "analytics aan de AP-voorwaarden voor privacyvriendelijke analytics "
                    "voldoet; anders negeert de site de keuze. " + _AP_CONDITIONS_NL
                ),
                "fix": (
                    "Laad {service} na weigeren niet, of leg vast dat het aan alle "
                    "AP-voorwaarden voldoet en vermeld dat in de cookieverklaring."
                ),
            },
            "en": {
                "title": "Analytics cookie {cookie} ({service}) set after refusal",
                "explanation": (
                    "The visitor refused cookies, yet afterwards {service} ({organisation}) "
                    "set the cookie {cookie}. That is allowed only if this analytics meets "
                    "the AP's conditions for privacy-friendly analytics; otherwise the site "
                    "ignores the choice. " + _AP_CONDITIONS_EN
                ),
                "fix": (
                    "Do not load {service} after refusal, or document that it meets every "
                    "AP condition and say so in the cookie statement."
                ),
            },
        },
        "tracking-after-refusal-request": {
            "nl": {
                "title": "Gegevens naar {organisation} ({category}) ná weigeren",
                "explanation": (
                    "Nadat de bezoeker cookies had geweigerd, stuurde de browser toch "
                    "verzoeken naar {organisation} ({hosts}), een partij voor {category}. "
                    "Zulke scripts, pixels en beacons geven het IP-adres en de bezochte "
                    "pagina door en lezen gegevens van het apparaat uit. Dit negeert de "
                    "keuze van de bezoeker."
                ),
                "fix": (
                    "Laad de scripts en pixels van {organisation} alleen na toestemming en "
                    "controleer dat de weigerknop ze werkelijk tegenhoudt."
                ),
            },
            "en": {
                "title": "Data sent to {organisation} ({category}) after refusal",
                "explanation": (
                    "After the visitor refused cookies, the browser still sent requests to "
                    "{organisation} ({hosts}), a {category} party. Such scripts, pixels and "
                    "beacons pass on the IP address and the page visited and read "
                    "information from the device. This ignores the visitor's choice."
                ),
                "fix": (
                    "Load {organisation}'s scripts and pixels only after consent and check "
                    "that the refusal button really stops them."
                ),
            },
        },
        "tracking-after-refusal-analytics-request": {
            "nl": {
                "title": "Meetverzoeken naar {organisation} ná weigeren",
                "explanation": (
                    "Nadat de bezoeker cookies had geweigerd, stuurde de browser toch "
                    "meetverzoeken naar {service} ({hosts}). Bij Google kan dat de "
                    "geavanceerde vorm van Consent Mode zijn: cookieloze pings, maar wel met "
                    "IP-adres en bezochte pagina. Dat mag alleen als de analytics aan de "
                    "AP-voorwaarden voldoet."
                ),
                "fix": (
                    "Stuur na weigeren geen meetverzoeken naar {organisation} (bij Google: "
                    "de basisvorm van Consent Mode), of leg vast waarom het aan de "
                    "AP-voorwaarden voldoet."
                ),
            },
            "en": {
                "title": "Measurement requests to {organisation} after refusal",
                "explanation": (
                    "After the visitor refused cookies, the browser still sent measurement "
                    "requests to {service} ({hosts}). With Google this may be Consent Mode's "
                    "advanced form: cookieless pings, but with the IP address and the page "
                    "visited. That is allowed only if the analytics meets the AP's "
                    "conditions."
                ),
                "fix": (
                    "Send no measurement requests to {organisation} after refusal (with "
                    "Google: Consent Mode's basic form), or document why it meets the AP's "
                    "conditions."
                ),
            },
        },
        "cookie-kept-after-refusal": {
            "nl": {
                "title": "Volgcookie {cookie} blijft staan na weigeren",
                "explanation": (
                    "De cookie {cookie} ({service}, {organisation}) werd geplaatst vóór de "
                    "keuze en stond na het weigeren nog in de browser. Er werd na het "
                    "weigeren geen nieuwe schrijfactie gezien, maar de cookie kan bij elk "
                    "verzoek worden meegestuurd en uitgelezen. Wie weigert, hoort daarna "
                    "niet meer herkend te worden."
                ),
                "fix": (
                    "Verwijder bij weigeren de cookies die vóór de keuze zijn geplaatst (de "
                    "meeste cookiebanners kunnen dat automatisch), en plaats ze liever "
                    "helemaal niet vóór toestemming."
                ),
            },
            "en": {
                "title": "Tracking cookie {cookie} kept after refusal",
                "explanation": (
                    "The cookie {cookie} ({service}, {organisation}) was set before the "
                    "choice and was still in the browser after refusal. No new write was "
                    "seen after refusal, but the cookie can be sent along with every request "
                    "and read. A visitor who refuses should no longer be recognised."
                ),
                "fix": (
                    "Delete the cookies set before the choice when the visitor refuses (most "
                    "cookie banners can do this automatically), and preferably do not set "
                    "them before consent at all."
                ),
            },
        },
        "inventory-after-accept": {
            "nl": {
                "title": "Na toestemming: {organisation} ({category})",
                "explanation": (
                    "Pas nadat de bezoeker toestemming gaf, nam de browser contact op met "
                    "{organisation} ({hosts}). Dat is in orde; de cookieverklaring moet deze "
                    "partij en het doel wel noemen, zodat de toestemming geïnformeerd is."
                ),
                "fix": ("Controleer of de cookieverklaring {organisation} en het doel vermeldt."),
            },
            "en": {
                "title": "After consent: {organisation} ({category})",
                "explanation": (
                    "Only after the visitor consented did the browser contact "
                    "{organisation} ({hosts}). That is fine; the cookie statement must name "
                    "this party and its purpose so that consent is informed."
                ),
                "fix": "Check that the cookie statement names {organisation} and the purpose.",
            },
        },
    }
)
"""Rule (or variant) → language → title, explanation and fix templates."""

PHRASES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "nl": {
            "no_secure": "het Secure-attribuut (alleen via HTTPS versturen)",
            "no_httponly": "het HttpOnly-attribuut (niet leesbaar voor scripts)",
            "no_samesite": "het SameSite-attribuut",
            "fix_secure": "Secure",
            "fix_httponly": "HttpOnly",
            "fix_samesite": "SameSite=Lax (of Strict)",
            "and": "en",
            "unknown": "onbekend",
            "cookies": "cookies",
            "storage": "browseropslag",
            "days": "{n} dagen",
            "months": "{n} maanden",
            "years": "{n} jaar",
            "analytics": "analytics",
            "marketing": "marketing en advertenties",
            "social": "sociale media",
            "fingerprinting": "fingerprinting",
            "video": "video",
            "maps": "kaarten",
            "session_replay": "sessie-opname",
            "fonts": "lettertypen",
            "functional": "functionele diensten",
            "cdn": "bestandslevering (CDN)",
            "none": "geen knoppen herkend",
            "refusal_deeper": (
                "Weigeren kon pas na een extra klik (bijvoorbeeld via 'Instellingen'). "
            ),
            "choice_reject": "weigeren",
            "choice_accept": "accepteren",
            "choice_none": "een keuze",
        },
        "en": {
            "no_secure": "the Secure attribute (send over HTTPS only)",
            "no_httponly": "the HttpOnly attribute (not readable by scripts)",
            "no_samesite": "the SameSite attribute",
            "fix_secure": "Secure",
            "fix_httponly": "HttpOnly",
            "fix_samesite": "SameSite=Lax (or Strict)",
            "and": "and",
            "unknown": "unknown",
            "cookies": "cookies",
            "storage": "browser storage",
            "days": "{n} days",
            "months": "{n} months",
            "years": "{n} years",
            "analytics": "analytics",
            "marketing": "marketing and advertising",
            "social": "social media",
            "fingerprinting": "fingerprinting",
            "video": "video",
            "maps": "maps",
            "session_replay": "session recording",
            "fonts": "fonts",
            "functional": "functional services",
            "cdn": "file delivery (CDN)",
            "none": "no buttons recognised",
            "refusal_deeper": "Refusing took an extra click (for example via 'Settings'). ",
            "choice_reject": "refusing",
            "choice_accept": "accepting",
            "choice_none": "a choice",
        },
    }
)
"""Small phrases the rules combine into placeholders."""


class _Defaulting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def render(key: str, lang: str, values: Mapping[str, str]) -> tuple[str, str, str]:
    """(title, explanation, fix) of ``key`` in ``lang`` (Dutch when the language is unknown)."""
    texts = MESSAGES[key].get(lang) or MESSAGES[key]["nl"]
    fill = _Defaulting(values)
    return (
        tidy(texts["title"].format_map(fill)),
        tidy(texts["explanation"].format_map(fill)),
        tidy(texts["fix"].format_map(fill)),
    )


_REPEATED = re.compile(r"(?<![\w.-])([\w.-]+) \(\1\)")


def tidy(text: str) -> str:
    """Drop a parenthesis that only repeats the word before it.

    An organisation we cannot name is shown by its domain, so "{organisation}
    ({hosts})" would read "tracker.example (tracker.example)".
    """
    return _REPEATED.sub(r"\1", text)


def phrase(lang: str, key: str) -> str:
    """A small phrase in ``lang``, falling back to Dutch, then to the key itself."""
    table = PHRASES.get(lang) or PHRASES["nl"]
    return table.get(key, PHRASES["nl"].get(key, key))
