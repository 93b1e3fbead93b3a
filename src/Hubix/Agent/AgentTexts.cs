namespace Hubix.Agent;

/// <summary>
/// Every fixed text the agent sends, in English, Hindi (Devanagari) and Hinglish. Market figures are never here:
/// they are quoted from stored content.
/// </summary>
/// <remarks>
/// The commands named in the texts (STOP, START, MENU) stay in Latin capitals in every language: they are the
/// keywords WhatsApp users know and the consent feature recognises, whatever the advisor's language.
/// </remarks>
public sealed record AgentTexts
{
    public required string Lang { get; init; }
    public required string NotFound { get; init; }
    public required string Advice { get; init; }
    public required string Help { get; init; }
    public required string OptOut { get; init; }
    public required string OptIn { get; init; }
    public required string ConfirmOptOut { get; init; }
    public required string Handoff { get; init; }

    /// <summary>{0}: " " + the advisor's name, or empty.</summary>
    public required string Greeting { get; init; }
    public required string Thanks { get; init; }

    /// <summary>{0}: what is sent ("today's content"...).</summary>
    public required string Sending { get; init; }

    /// <summary>{0}: what is sent.</summary>
    public required string SendingWhenReady { get; init; }
    public required string TodaysContent { get; init; }
    public required string TodaysImages { get; init; }
    public required string TodaysPosts { get; init; }
    public required string TodaysUpdate { get; init; }
    public required string CannotPredict { get; init; }

    /// <summary>{0}: the source ("pack 2026-11-27"), {1}: the kind of passage, {2}: the quote.</summary>
    public required string FromSource { get; init; }
    public required string KindUpdate { get; init; }
    public required string KindImage { get; init; }
    public required string KindDocument { get; init; }
    public required string KindPost { get; init; }
    public required string Disclaimer { get; init; }
    public required string AlreadyOnItsWay { get; init; }
    public required string NotReady { get; init; }

    /// <summary>The help menu, sent as interactive reply buttons (ids are intents; titles at most 20 characters).</summary>
    public required IReadOnlyList<MenuButton> Menu { get; init; }

    /// <summary>The two answers to <see cref="ConfirmOptOut"/>.</summary>
    public required IReadOnlyList<MenuButton> ConfirmButtons { get; init; }

    public static readonly AgentTexts English = new()
    {
        Lang = AgentLanguages.English,
        NotFound = "Sorry, I don't have that. Here is what I can help with: today's content, the market update, questions about Hubix, or a person from our team.",
        Advice = "I can't recommend funds or say what to buy, sell or hold: that depends on each client's goals and risk profile. I can share the latest market update, or a person from our team can help.",
        Help = "I can send today's content (or just the images, posts or market update), answer questions about the market update and about Hubix, or connect you to a person. Reply STOP to stop the daily messages.",
        OptOut = "You are unsubscribed and will not get the daily content any more. Reply START to subscribe again.",
        OptIn = "Welcome back! Your daily content resumes with the next morning pack. Reply STOP at any time to stop.",
        ConfirmOptOut = "Do you want to stop the daily messages? Tap \"Stop messages\" or reply STOP. If not, nothing changes.",
        Handoff = "OK, I have asked a person from our team to reply to you here. They reply during working hours.",
        Greeting = "Hello{0}! I can send today's content, share the market update or answer questions about Hubix.",
        Thanks = "You're welcome! Reply MENU any time to see what I can do.",
        Sending = "Sending {0} now.",
        SendingWhenReady = "Sending {0} as soon as today's pack is ready.",
        TodaysContent = "today's content",
        TodaysImages = "today's images",
        TodaysPosts = "today's posts",
        TodaysUpdate = "today's market update",
        CannotPredict = "I can't predict the market. The latest stored update:",
        FromSource = "From the {0} {1}: \"{2}\"",
        KindUpdate = "market update",
        KindImage = "image caption",
        KindDocument = "document",
        KindPost = "post",
        Disclaimer = "For information only; not investment advice. Mutual fund investments are subject to market risks.",
        AlreadyOnItsWay = "It is already on its way: it should arrive in a moment.",
        NotReady = "Sorry, today's content is not ready to send yet. Please try again in a few minutes.",
        Menu = [new(AgentIntents.UnlockAll, "Today's content"), new(AgentIntents.UnlockUpdates, "Market update"), new(AgentIntents.Handoff, "Talk to a person")],
        ConfirmButtons = [new(AgentIntents.OptOut, "Stop messages"), new(AgentIntents.Help, "No, keep them")],
    };

    public static readonly AgentTexts Hindi = new()
    {
        Lang = AgentLanguages.Hindi,
        NotFound = "माफ़ कीजिए, यह जानकारी मेरे पास नहीं है। मैं इनमें मदद कर सकता हूँ: आज का कंटेंट, मार्केट अपडेट, Hubix के बारे में सवाल, या हमारी टीम के किसी व्यक्ति से बात।",
        Advice = "मैं फंड की सलाह नहीं दे सकता, न ही यह बता सकता हूँ कि क्या खरीदें, बेचें या रखें: यह हर क्लाइंट के लक्ष्य और जोखिम पर निर्भर करता है। मैं ताज़ा मार्केट अपडेट भेज सकता हूँ, या हमारी टीम का कोई व्यक्ति मदद कर सकता है।",
        Help = "मैं आज का कंटेंट (या सिर्फ फोटो, पोस्ट या मार्केट अपडेट) भेज सकता हूँ, मार्केट अपडेट और Hubix के बारे में सवालों के जवाब दे सकता हूँ, या आपकी बात किसी व्यक्ति से करा सकता हूँ। रोज़ के मैसेज बंद करने के लिए STOP लिखें।",
        OptOut = "आपको अनसब्सक्राइब कर दिया गया है, अब रोज़ का कंटेंट नहीं आएगा। फिर से शुरू करने के लिए START लिखें।",
        OptIn = "फिर से स्वागत है! आपका रोज़ का कंटेंट अगली सुबह के पैक से फिर शुरू होगा। कभी भी बंद करने के लिए STOP लिखें।",
        ConfirmOptOut = "क्या आप रोज़ के मैसेज बंद करना चाहते हैं? \"मैसेज बंद करें\" दबाएँ या STOP लिखें। नहीं तो कुछ नहीं बदलेगा।",
        Handoff = "ठीक है, मैंने हमारी टीम के एक व्यक्ति को यहाँ आपको जवाब देने के लिए कहा है। वे काम के समय में जवाब देते हैं।",
        Greeting = "नमस्ते{0}! मैं आज का कंटेंट भेज सकता हूँ, मार्केट अपडेट बता सकता हूँ या Hubix के बारे में सवालों के जवाब दे सकता हूँ।",
        Thanks = "आपका स्वागत है! मैं क्या कर सकता हूँ, यह देखने के लिए कभी भी MENU लिखें।",
        Sending = "{0} अभी भेज रहा हूँ।",
        SendingWhenReady = "आज का पैक तैयार होते ही {0} भेज दूँगा।",
        TodaysContent = "आज का कंटेंट",
        TodaysImages = "आज की फोटो",
        TodaysPosts = "आज की पोस्ट",
        TodaysUpdate = "आज का मार्केट अपडेट",
        CannotPredict = "मैं मार्केट का अनुमान नहीं लगा सकता। सबसे ताज़ा अपडेट:",
        FromSource = "{0} के {1} से: \"{2}\"",
        KindUpdate = "मार्केट अपडेट",
        KindImage = "फोटो कैप्शन",
        KindDocument = "डॉक्यूमेंट",
        KindPost = "पोस्ट",
        Disclaimer = "सिर्फ जानकारी के लिए; यह निवेश सलाह नहीं है। म्यूचुअल फंड निवेश बाज़ार जोखिमों के अधीन हैं।",
        AlreadyOnItsWay = "यह पहले से भेजा जा रहा है, थोड़ी देर में पहुँच जाएगा।",
        NotReady = "माफ़ कीजिए, आज का कंटेंट अभी भेजने के लिए तैयार नहीं है। कृपया कुछ मिनट बाद फिर कोशिश करें।",
        Menu = [new(AgentIntents.UnlockAll, "आज का कंटेंट"), new(AgentIntents.UnlockUpdates, "मार्केट अपडेट"), new(AgentIntents.Handoff, "किसी से बात करें")],
        ConfirmButtons = [new(AgentIntents.OptOut, "मैसेज बंद करें"), new(AgentIntents.Help, "नहीं, चालू रखें")],
    };

    public static readonly AgentTexts Hinglish = new()
    {
        Lang = AgentLanguages.Hinglish,
        NotFound = "Sorry, ye jaankari mere paas nahi hai. Main inme madad kar sakta hoon: aaj ka content, market update, Hubix ke baare mein sawaal, ya hamari team ke kisi vyakti se baat.",
        Advice = "Main fund ki salah nahi de sakta, na ye bata sakta hoon ki kya khareedein, bechein ya rakhein: ye har client ke goal aur risk par nirbhar karta hai. Main latest market update bhej sakta hoon, ya hamari team ka koi vyakti madad kar sakta hai.",
        Help = "Main aaj ka content (ya sirf photos, posts ya market update) bhej sakta hoon, market update aur Hubix ke baare mein sawaalon ke jawab de sakta hoon, ya aapki baat kisi vyakti se kara sakta hoon. Roz ke message band karne ke liye STOP likhein.",
        OptOut = "Aapko unsubscribe kar diya gaya hai, ab roz ka content nahi aayega. Phir se shuru karne ke liye START likhein.",
        OptIn = "Welcome back! Aapka roz ka content agli subah ke pack se phir shuru hoga. Kabhi bhi band karne ke liye STOP likhein.",
        ConfirmOptOut = "Kya aap roz ke message band karna chahte hain? \"Message band karo\" dabayein ya STOP likhein. Nahi to kuch nahi badlega.",
        Handoff = "Theek hai, maine hamari team ke ek vyakti ko yahan aapko jawab dene ke liye kaha hai. Woh working hours mein jawab dete hain.",
        Greeting = "Namaste{0}! Main aaj ka content bhej sakta hoon, market update bata sakta hoon ya Hubix ke baare mein sawaalon ke jawab de sakta hoon.",
        Thanks = "Aapka swagat hai! Main kya kar sakta hoon, ye dekhne ke liye kabhi bhi MENU likhein.",
        Sending = "{0} abhi bhej raha hoon.",
        SendingWhenReady = "Aaj ka pack taiyaar hote hi {0} bhej doonga.",
        TodaysContent = "Aaj ka content",
        TodaysImages = "Aaj ki photos",
        TodaysPosts = "Aaj ke posts",
        TodaysUpdate = "Aaj ka market update",
        CannotPredict = "Main market ka andaaza nahi laga sakta. Sabse latest update:",
        FromSource = "{0} ke {1} se: \"{2}\"",
        KindUpdate = "market update",
        KindImage = "photo caption",
        KindDocument = "document",
        KindPost = "post",
        Disclaimer = "Sirf jaankari ke liye; ye investment advice nahi hai. Mutual fund investments market risks ke adheen hain.",
        AlreadyOnItsWay = "Ye pehle se bheja ja raha hai, thodi der mein pahunch jayega.",
        NotReady = "Sorry, aaj ka content abhi bhejne ke liye taiyaar nahi hai. Kuch minute baad phir try karein.",
        Menu = [new(AgentIntents.UnlockAll, "Aaj ka content"), new(AgentIntents.UnlockUpdates, "Market update"), new(AgentIntents.Handoff, "Kisi se baat karein")],
        ConfirmButtons = [new(AgentIntents.OptOut, "Message band karo"), new(AgentIntents.Help, "Nahi, chalu rakho")],
    };

    public static AgentTexts For(string? lang) => lang switch
    {
        AgentLanguages.Hindi => Hindi,
        AgentLanguages.Hinglish => Hinglish,
        _ => English,
    };
}
