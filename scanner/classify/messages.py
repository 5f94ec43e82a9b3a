"""Texts of every finding, per rule and language (Dutch is the default report language).

Kept apart from the rule logic so a translator or a privacy officer can review all
wording in one place. Placeholders in braces are filled by the rules; an unknown
placeholder renders as ``?`` rather than failing a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["LANGUAGES", "LEGAL", "MESSAGES", "PHRASES", "render"]

LANGUAGES = ("nl", "en")

TW_11_7A = (
    "https://wetten.overheid.nl/jci1.3:c:BWBR0009950&hoofdstuk=11&paragraaf=11.1&artikel=11.7a"
)
AP_COOKIES = "https://autoriteitpersoonsgegevens.nl/themas/internet-slimme-apparaten/cookies"
AP_ANALYTICS = "https://autoriteitpersoonsgegevens.nl/themas/internet-slimme-apparaten/cookies/google-analytics"
GDPR = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"

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
        texts["title"].format_map(fill),
        texts["explanation"].format_map(fill),
        texts["fix"].format_map(fill),
    )


def phrase(lang: str, key: str) -> str:
    """A small phrase in ``lang``, falling back to Dutch, then to the key itself."""
    table = PHRASES.get(lang) or PHRASES["nl"]
    return table.get(key, PHRASES["nl"].get(key, key))
