namespace Hubix.Agent;

/// <summary>
/// Labelled example utterances per intent for nearest-neighbour recognition. Written independently of
/// the evaluation set (tests/Hubix.Tests/Agent/agent-eval.jsonl); FAQ example questions are added at run time.
/// </summary>
internal static class IntentExamples
{
    public static readonly IReadOnlyDictionary<string, string[]> ByIntent = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [AgentIntents.UnlockAll] =
        [
            "send me today's content", "please share the daily pack", "I want today's full pack", "give me all of today's content",
            "aaj ka pura content bhej do", "aaj ka saara material chahiye", "unlock today's pack", "resend today's pack please",
            "send everything from today's pack", "share the content for my clients today", "today's content please",
            "I haven't received the pack, please send it", "आज का कंटेंट भेजो",
        ],
        [AgentIntents.UnlockImages] =
        [
            "send me the images", "share today's pictures", "I need the photos for my status", "send the chart images",
            "photos bhej do", "aaj ki images bhejo", "send only the images please", "the poster for today please",
            "give me the image files", "creatives chahiye", "फोटो भेजो",
        ],
        [AgentIntents.UnlockPosts] =
        [
            "send me the posts", "share today's posts", "I need the text posts", "send only the written posts",
            "post bhej do", "aaj ka post chahiye", "give me the messages I can forward to clients", "the text content please",
            "send the post for whatsapp status", "पोस्ट भेजो",
        ],
        [AgentIntents.UnlockUpdates] =
        [
            "send me the market update", "share today's market update", "I need the daily market update", "market update bhej do",
            "aaj ka market update chahiye", "send only the updates", "give me the update for today", "latest update please",
            "send the market news update", "मार्केट अपडेट भेजो",
        ],
        [AgentIntents.MarketQuestion] =
        [
            "how did the market close yesterday", "what is the nifty level", "where is the sensex today", "did the market go up or down",
            "what was the nifty close on monday", "how much did sensex fall", "what are SIP inflows this month",
            "what is the government bond yield", "what is the rupee at against the dollar", "did foreign investors buy or sell",
            "what happened in the market this week", "nifty kahan band hua", "sensex kitna chadha", "aaj market upar gaya ya neeche",
            "bazaar ka haal kya hai", "why did the market go down", "when is the next RBI meeting", "what is the repo rate now",
            "how did banks do today", "what is the gold rate", "how did midcaps perform", "what is the market outlook",
            "what is india VIX", "what was the GDP number",
        ],
        [AgentIntents.AdviceRequest] =
        [
            "should I buy this fund", "which mutual fund should I invest in", "which fund is best for my client",
            "should my client redeem his units", "is it the right time to buy small caps", "suggest a fund for a 5 year goal",
            "recommend the best SIP", "should I switch from debt to equity", "which scheme gives the highest return",
            "kaunsa fund best hai", "mere client ko kya kharidna chahiye", "should I sell my holdings now",
            "tell me a good fund to invest", "is this fund better than that one", "should I invest a lump sum now",
            "which stock should I buy",
        ],
        [AgentIntents.Faq] =
        [
            "what is this service", "when do the messages arrive", "can I change the language", "is this a free service",
            "how do I stop receiving messages", "why didn't I get today's message", "is my data private", "who makes this content",
            "can I choose which topics I get", "how do I share this with my clients", "how does the subscription work",
            "my name is wrong on the content", "is this advice or information", "what time do you send the pack",
            "content nahi aaya aaj", "is the content available in other languages",
        ],
        [AgentIntents.Help] =
        [
            "help", "show me the menu", "what can you help me with", "what are my options", "what can I ask you",
            "what do you do", "how do I use this", "kya madad kar sakte ho", "I am confused, what should I type",
            "list the commands", "मदद चाहिए", "what should I say",
        ],
        [AgentIntents.OptOut] =
        [
            "stop", "unsubscribe", "stop sending messages", "I don't want these messages", "please unsubscribe me",
            "remove me from this list", "no more messages please", "band karo", "messages band kar do", "mujhe mat bhejo",
            "बंद करो", "रोको", "stop the daily pack", "opt me out",
        ],
        [AgentIntents.OptIn] =
        [
            "start", "start sending again", "subscribe me", "resume the messages", "I want to receive the pack again",
            "please restart my messages", "shuru karo", "phir se bhejna shuru karo", "चालू करो", "opt me back in",
            "turn the daily messages back on",
        ],
        [AgentIntents.Handoff] =
        [
            "talk to a person", "I want to speak with a human", "connect me to your team", "please call me",
            "can I talk to customer support", "I need a real person", "kisi se baat karni hai", "mujhe call karo",
            "transfer me to an agent", "let me talk to someone", "get me a human", "I want to complain to someone",
        ],
        [AgentIntents.Greeting] =
        [
            "hi", "hello", "hey", "good morning", "good evening", "namaste", "hello there", "hi, how are you",
            "namaskar ji", "नमस्ते", "hey, good morning",
        ],
        [AgentIntents.Thanks] =
        [
            "thanks", "thank you", "thanks a lot", "thank you very much", "ok thanks", "great, thank you",
            "dhanyavaad", "shukriya ji", "धन्यवाद", "thanks, got it", "perfect, thanks",
        ],
        [AgentIntents.Unknown] =
        [
            "what's the weather like", "book a flight for me", "tell me a story", "who is the prime minister",
            "play some music", "what is your favourite colour", "I need a plumber", "cricket score please",
            "translate this to french", "how to make tea", "random", "ok", "hmm", "lol",
        ],
    };

    /// <summary>
    /// Hindi (Devanagari) and Hinglish examples for the character n-gram classifier (<see cref="NgramClassifier"/>), written
    /// independently of the evaluation set; the English ones above are used by it as well.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> Multilingual = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [AgentIntents.UnlockAll] =
        [
            "aaj ka content bhejo", "aaj ka pack bhej dijiye", "pura pack bhejo", "sab kuch bhej do aaj ka", "aaj ka material de do",
            "content bhejiye please", "आज का पैक भेजिए", "आज का पूरा कंटेंट चाहिए", "सारा कंटेंट भेज दो", "आज का मटेरियल भेजें",
            "aaj wala content dubara bhejo", "mere clients ke liye aaj ka content chahiye",
        ],
        [AgentIntents.UnlockImages] =
        [
            "photo bhejo", "aaj ki photos bhej do", "images chahiye", "sirf photo bhejiye", "status ke liye photo chahiye",
            "फोटो भेज दीजिए", "आज की तस्वीरें भेजो", "इमेज चाहिए", "सिर्फ फोटो भेजें", "poster bhejo",
        ],
        [AgentIntents.UnlockPosts] =
        [
            "post bhejo", "aaj ka post bhej dijiye", "sirf post chahiye", "text post bhejo", "forward karne wala post bhejo",
            "पोस्ट भेज दो", "आज की पोस्ट चाहिए", "सिर्फ पोस्ट भेजिए", "लिखा हुआ पोस्ट भेजो",
        ],
        [AgentIntents.UnlockUpdates] =
        [
            "market update bhejo", "aaj ka update bhej do", "sirf update chahiye", "market ka update dijiye", "update bhejiye",
            "मार्केट अपडेट भेज दो", "आज का अपडेट चाहिए", "बाजार का अपडेट भेजिए", "सिर्फ अपडेट भेजो",
        ],
        [AgentIntents.MarketQuestion] =
        [
            "nifty kitne pe band hua", "sensex kitna gira", "market kaisa raha aaj", "bazaar upar gaya ya neeche", "rupee kahan hai",
            "gold ka rate kya hai", "repo rate kitna hai", "fii ne kitna becha", "sip inflow kitna aaya", "bond yield kya hai",
            "निफ्टी कितने पर बंद हुआ", "सेंसेक्स कितना गिरा", "बाजार कैसा रहा", "सोने का भाव क्या है", "रुपया कहां है",
            "रेपो रेट कितना है", "कल मार्केट क्यों गिरा", "बैंक शेयर कैसे रहे",
        ],
        [AgentIntents.AdviceRequest] =
        [
            "kaunsa fund lena chahiye", "client ko kaunsa sip karwau", "kya abhi invest karna sahi hai", "best fund batao",
            "small cap me paisa lagau kya", "redeem kar du kya", "कौनसा फंड लेना चाहिए", "कहां निवेश करूं", "सबसे अच्छा फंड बताइए",
            "क्या अभी खरीदना सही है", "मेरे क्लाइंट को कौनसा फंड दूं",
        ],
        [AgentIntents.Faq] =
        [
            "ye service kya hai", "content kitne baje aata hai", "kya ye free hai", "hindi me mil sakta hai kya", "mera data safe hai kya",
            "message band kaise kare", "ye content kaun banata hai", "naam galat aa raha hai", "यह सेवा क्या है", "कंटेंट कितने बजे आता है",
            "क्या यह फ्री है", "हिंदी में मिलेगा क्या", "मैसेज कैसे बंद करें", "आज का मैसेज क्यों नहीं आया",
        ],
        [AgentIntents.Help] =
        [
            "madad chahiye", "kya kar sakte ho", "menu dikhao", "kya options hai", "samajh nahi aa raha kya likhu", "help karo",
            "मदद करो", "आप क्या कर सकते हैं", "मेनू दिखाओ", "क्या लिखूं समझ नहीं आ रहा",
        ],
        [AgentIntents.OptOut] =
        [
            "message band karo", "mujhe unsubscribe karo", "ab mat bhejna", "bhejna band kar do", "mera number hata do",
            "stop kar do", "मैसेज बंद करो", "मुझे अनसब्सक्राइब कर दो", "अब मत भेजना", "भेजना बंद कर दीजिए", "मेरा नंबर हटा दो",
        ],
        [AgentIntents.OptIn] =
        [
            "phir se shuru karo", "message wapas chalu karo", "dobara bhejna shuru karo", "subscribe karna hai", "start kar do",
            "फिर से शुरू करो", "मैसेज चालू कर दो", "दोबारा भेजना शुरू करें", "सब्सक्राइब करना है",
        ],
        [AgentIntents.Handoff] =
        [
            "kisi insaan se baat karni hai", "mujhe call karo", "team se baat karwao", "agent se baat karao", "koi call kar sakta hai",
            "किसी से बात करनी है", "मुझे कॉल करो", "आपकी टीम से बात कराओ", "इंसान से बात करनी है",
        ],
        [AgentIntents.Greeting] =
        [
            "namaste ji", "ram ram sir", "hello ji kaise ho", "good morning ji", "नमस्ते जी", "नमस्कार", "सुप्रभात", "राम राम",
        ],
        [AgentIntents.Thanks] =
        [
            "dhanyavad ji", "shukriya bhai", "thank you ji", "bahut accha laga thanks", "धन्यवाद जी", "शुक्रिया", "बहुत धन्यवाद",
        ],
        [AgentIntents.Unknown] =
        [
            "mausam kaisa hai", "cricket ka score kya hai", "gaana sunao", "chai kaise banate hai", "मौसम कैसा है",
            "क्रिकेट स्कोर बताओ", "कोई कहानी सुनाओ", "hmm", "acha", "joke sunao", "khana order karo", "film ki kahani batao",
            "train ka time batao", "recipe batao", "कोई जोक सुनाओ", "फिल्म कैसी है",
        ],
    };
}
