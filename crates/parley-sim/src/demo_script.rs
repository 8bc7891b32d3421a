//! What the demo customers say. Kept apart from the mechanics so it can grow freely.

pub(crate) struct Persona {
    pub first_name: &'static str,
    pub last_name: Option<&'static str>,
    pub username: Option<&'static str>,
    pub language: &'static str,
}

const fn p(
    first_name: &'static str,
    last_name: Option<&'static str>,
    username: Option<&'static str>,
    language: &'static str,
) -> Persona {
    Persona {
        first_name,
        last_name,
        username,
        language,
    }
}

pub(crate) enum Line {
    Text(&'static str),
    Photo(&'static str),
    Location(f64, f64),
    Invoice,
    Sticker(&'static str),
    Voice(u32),
    Contact(&'static str, &'static str),
}

use Line::{Contact, Invoice, Location, Photo, Sticker, Text, Voice};

/// The customers of the seeded history, each with their past conversation (inbound side only:
/// the shop's own past replies cannot travel through the Bot API).
pub(crate) const HISTORY: &[(Persona, &[Line])] = &[
    (
        p("María", Some("García"), Some("mariagarcia"), "es"),
        &[
            Text(
                "Hola! I ordered the linen tote bag on Monday, order #4821. Any idea when it ships?",
            ),
            Text("It says 'processing' since two days 🙂"),
            Text("Perfect, gracias!"),
        ],
    ),
    (
        p("李伟", None, Some("liwei_sh"), "zh"),
        &[
            Text("你好，请问你们周末营业吗？"),
            Text("Sorry, my English is not so good. Are you open on Saturday?"),
            Sticker("👍"),
        ],
    ),
    (
        p("Olusegun", Some("Adebayo"), Some("segun_a"), "en"),
        &[
            Text("Good afternoon. My package arrived today but the box was crushed."),
            Photo("This is how it looked when I opened it"),
            Text("The mug inside is cracked. Can I get a replacement?"),
        ],
    ),
    (
        p("Anna", Some("Müller"), None, "de"),
        &[
            Text("Hallo! Kann ich die Jacke in Größe M noch zurückgeben? I bought it 20 days ago."),
            Text("Do I need the original receipt?"),
            Invoice,
            Text("Here is the invoice, just in case."),
        ],
    ),
    (
        p("أحمد", Some("الخطيب"), Some("ahmad_khatib"), "ar"),
        &[
            Text("مرحبا، هل يمكن التوصيل إلى هذا العنوان؟"),
            Location(25.2048, 55.2708),
            Text("Is delivery possible to this location? 🙏"),
        ],
    ),
    (
        p("Priya", Some("Natarajan"), Some("priya_n"), "en"),
        &[
            Text("Hi! Do you have the ceramic planters back in stock? The sage green one."),
            Text("I'd like two of them if possible"),
            Text("Also, can I pick up in store instead of shipping?"),
        ],
    ),
    (
        p("Tomás", Some("Novák"), None, "cs"),
        &[
            Text("Dobrý den, I was charged twice for order #4790."),
            Text("Both charges show on my card statement from yesterday."),
            Voice(7),
        ],
    ),
    (
        p("Sophie", Some("Martin"), Some("sophiemartin"), "fr"),
        &[
            Text("Bonjour ! What are your opening hours on public holidays?"),
            Text("Merci beaucoup 😊"),
        ],
    ),
    (
        p("Kenji", Some("Watanabe"), Some("kenji_w"), "ja"),
        &[
            Text("Hello, I want to change the delivery address for order #4833."),
            Contact("+81 90 1234 5678", "Kenji"),
            Text("Please call me at this number if the courier needs directions."),
        ],
    ),
    (
        // The upset customer: Parley's mood scorer flags him (angry and pressing), raises his
        // conversation's priority and lists him first in "Upset first".
        p("Derek", Some("Holt"), Some("derek_holt"), "en"),
        &[
            Text("Order #4777 was supposed to arrive last Friday. Still nothing."),
            Text(
                "This is the third time I'm writing and NOBODY has answered. Absolutely \
                 unacceptable 😡",
            ),
            Text("If I don't hear back today I'm filing a chargeback."),
        ],
    ),
    (
        p("Chloé", Some("Dubois"), None, "fr"),
        &[
            Text("Coucou! Is the gift wrapping free?"),
            Text("It's for my mum's birthday on Friday 🎁"),
            Text("Will it arrive by Thursday if I order today?"),
        ],
    ),
];

/// Which seeded customers have a profile picture (by first name): the pane shows it.
pub(crate) const PICTURES: &[(&str, &[u8])] = &[
    ("María", crate::demo::pictures::TEAL),
    ("Sophie", crate::demo::pictures::AMBER),
    ("Kenji", crate::demo::pictures::INDIGO),
];

/// People who may turn up for the first time while the demo runs.
pub(crate) const NEWCOMERS: &[Persona] = &[
    p("Lucas", Some("Oliveira"), Some("lucas_oli"), "pt"),
    p("Fatima", Some("Zahra"), None, "en"),
    p("Dmitri", Some("Volkov"), Some("dvolkov"), "ru"),
    p("Ngozi", Some("Okafor"), Some("ngozi_ok"), "en"),
    p("Jonas", Some("Lindqvist"), None, "sv"),
    p("Mei", Some("Chen"), Some("meichen"), "zh"),
    p("Yosef", Some("Cohen"), None, "he"),
    p("Isabella", Some("Rossi"), Some("bella_rossi"), "it"),
];

/// First messages of a new exchange, in English since most customers write it.
pub(crate) const OPENERS: &[&str] = &[
    "Hi! Is the blue wool scarf still available?",
    "Hello, where is my order? It's been a week.",
    "Can I change the size of my order before it ships?",
    "Do you ship to Canada?",
    "Hi, the tracking link you sent doesn't work.",
    "How long does delivery usually take?",
    "I'd like to return an item, what's the process?",
    "Are you open tomorrow morning?",
    "Do you have a discount for bulk orders? I need 30 notebooks for my team.",
    "My parcel says delivered but I didn't get anything 😟",
    "Hello! Can I pay by bank transfer?",
    "Is there a warranty on the desk lamp?",
    "Hi, I received the wrong colour. I ordered green, got red.",
    "Could you send me an invoice with my company name on it?",
    "What's the difference between the small and the large candle?",
    "Do you do gift cards?",
    "Can I pick up my order today after 6pm?",
    "Hey, the discount code SPRING10 isn't working at checkout.",
    "Are the mugs dishwasher safe?",
    "Hello, I'd like to cancel order #4902, please.",
    "How do I know which size fits? Is there a size chart?",
    "Is it possible to deliver on Saturday?",
    "Hi! Just wanted to say the coffee beans were amazing ☕",
    "The zipper on my backpack broke after two weeks.",
    "Do you restock the limited edition prints?",
    "Hello, is anyone there?",
    "Seriously?! My order is two weeks late and nobody answers my emails 😤",
    "I need a refund for order #4915 asap, it arrived broken.",
];

/// Openers in the customer's own language, used now and then.
pub(crate) const LOCAL_OPENERS: &[(&str, &str)] = &[
    (
        "es",
        "Hola, ¿tenéis envío gratis a partir de cierto importe?",
    ),
    ("zh", "请问这个商品还有货吗？"),
    ("de", "Guten Tag, wann kommt meine Bestellung an?"),
    ("ar", "هل لديكم خدمة التوصيل في نفس اليوم؟"),
    ("fr", "Bonjour, est-ce que je peux échanger un article ?"),
    ("ja", "こんにちは、注文の確認をお願いします。"),
    ("cs", "Dobrý den, máte otevřeno i v neděli?"),
    ("pt", "Olá! Vocês entregam no Brasil?"),
    ("ru", "Здравствуйте, можно оплатить при получении?"),
    ("he", "שלום, מתי ההזמנה שלי תגיע?"),
    ("it", "Ciao! Posso ritirare l'ordine in negozio?"),
    ("sv", "Hej! Har ni öppet på lördag?"),
];

/// What a customer says after the shop answered.
pub(crate) const FOLLOW_UPS: &[&str] = &[
    "Thanks, that helps!",
    "Great, I'll wait for the tracking number 🙏",
    "Perfect, thank you so much!",
    "Ok, but how long will that take?",
    "Got it 👍",
    "Hmm, that's not what I was hoping for. Is there another option?",
    "Thank you! Have a nice day ☀️",
    "Could you send that by email as well?",
    "Awesome, you're the best!",
    "Alright. And what about the shipping costs?",
    "I see. I'll try again later.",
    "Thanks for the quick answer!",
    "Ok, I just sent the photo you asked for.",
    "Sounds good, let's do that.",
    "Wonderful 😊",
    "Sorry, one more question: do you also sell refills?",
    "I'll come by the shop then.",
    "Great, appreciate it!",
];

pub(crate) const PHOTO_CAPTIONS: &[&str] = &[
    "This is what arrived",
    "Is this the right model?",
    "The box was damaged like this",
    "Here's the label on the package",
];

pub(crate) const STICKER_EMOJI: &[&str] = &["👍", "🙏", "😊", "❤️", "😂", "🎉"];

/// Somewhere near the (fictional) shop.
pub(crate) const LOCATIONS: &[(f64, f64)] = &[
    (48.8566, 2.3522),
    (52.5200, 13.4050),
    (51.5074, -0.1278),
    (40.4168, -3.7038),
    (35.6762, 139.6503),
];

/// The customer who meets the FAQ bot in a new demo workspace: she asks where her order is and
/// answers the bot's questions (the demo's two FAQ rules: `parley-core/src/demo_bot.rs`).
pub(crate) const BOT_CUSTOMER: Persona = p("Lucía", Some("Fernández"), Some("lucia_fdz"), "es");
pub(crate) const BOT_CUSTOMER_OPENER: &str = "Hi! Where is my order? I ordered on Monday 🙂";

/// How any demo customer answers a question the shop's bot asks, by a word of the question:
/// the order number, then the email address (`{first}` is the customer's first name, ASCII).
pub(crate) const BOT_ANSWERS: &[(&str, &str)] = &[
    ("order number", "It's #5120"),
    ("email", "{first}@example.com"),
];
