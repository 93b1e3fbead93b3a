using System.Text;

namespace Hubix.Agent;

/// <summary>
/// Brings Hindi, Hinglish and English messages to one romanised form the rules and the classifiers know:
/// Devanagari words are transliterated (a lexicon of the words advisors use, then letter by letter), and common
/// Hinglish and SMS spellings are folded ("kro" → "karo", "nhi" → "nahi", "msg" → "message").
/// </summary>
/// <remarks>
/// Devanagari words borrowed from English are mapped back to the English word ("मैसेज" → "message",
/// "अनसब्सक्राइब" → "unsubscribe"): letter-by-letter they would come out as "maisej", which no rule knows.
/// </remarks>
internal static class Transliteration
{
    private static readonly Dictionary<string, string> s_devanagariWords = WithVariants(new(StringComparer.Ordinal)
    {
        // English loan words
        ["मैसेज"] = "message", ["मेसेज"] = "message", ["मेसेज़"] = "message", ["मैसेज़"] = "message", ["मैसेजेस"] = "messages",
        ["मेसेजेस"] = "messages", ["मैसेजस"] = "messages", ["मेसेजस"] = "messages", ["मसेज"] = "message", ["एसएमएस"] = "sms",
        ["अनसब्सक्राइब"] = "unsubscribe", ["अनसबस्क्राइब"] = "unsubscribe", ["अनसब्स्क्राइब"] = "unsubscribe", ["अनसबसक्राइब"] = "unsubscribe",
        ["अनसब्सक्राईब"] = "unsubscribe", ["सब्सक्राइब"] = "subscribe", ["सबस्क्राइब"] = "subscribe", ["सब्स्क्राइब"] = "subscribe",
        ["सब्सक्रिप्शन"] = "subscription", ["स्टॉप"] = "stop", ["स्टाप"] = "stop", ["स्टोप"] = "stop", ["स्टार्ट"] = "start", ["स्टार्ट"] = "start",
        ["कंटेंट"] = "content", ["कॉन्टेंट"] = "content", ["कन्टेन्ट"] = "content", ["कांटेंट"] = "content", ["पैक"] = "pack",
        ["फोटो"] = "photo", ["फ़ोटो"] = "photo", ["फोटोज"] = "photos", ["फ़ोटोज़"] = "photos", ["इमेज"] = "image", ["इमेजेस"] = "images",
        ["इमेजस"] = "images", ["पोस्ट"] = "post", ["पोस्टस"] = "posts", ["पोस्ट्स"] = "posts", ["अपडेट"] = "update", ["अपडेट्स"] = "updates",
        ["मार्केट"] = "market", ["मार्किट"] = "market", ["निफ्टी"] = "nifty", ["निफ़्टी"] = "nifty", ["सेंसेक्स"] = "sensex", ["लिस्ट"] = "list",
        ["नंबर"] = "number", ["नम्बर"] = "number", ["सर्विस"] = "service", ["फ्री"] = "free", ["फंड"] = "fund", ["फण्ड"] = "fund",
        ["म्यूचुअल"] = "mutual", ["एसआईपी"] = "sip", ["सिप"] = "sip", ["क्लाइंट"] = "client", ["क्लाइंट्स"] = "clients", ["कॉल"] = "call",
        ["प्लीज"] = "please", ["प्लीज़"] = "please", ["ओके"] = "ok", ["थैंक्स"] = "thanks", ["थैंक"] = "thank", ["यू"] = "you", ["हेलो"] = "hello",
        ["हैलो"] = "hello", ["हाय"] = "hi", ["मेन्यू"] = "menu", ["मेनू"] = "menu", ["हेल्प"] = "help", ["आरबीआई"] = "rbi", ["रेपो"] = "repo",
        ["गोल्ड"] = "gold", ["बैंक"] = "bank", ["डॉलर"] = "dollar", ["टीम"] = "team", ["एजेंट"] = "agent", ["सपोर्ट"] = "support",
        ["स्टेटस"] = "status", ["डेली"] = "daily", ["टाइम"] = "time", ["हिंदी"] = "hindi", ["हिन्दी"] = "hindi", ["इंग्लिश"] = "english",
        ["अंग्रेजी"] = "english", ["अंग्रेज़ी"] = "english", ["डेटा"] = "data", ["डाटा"] = "data", ["प्राइवेसी"] = "privacy", ["पोर्टफोलियो"] = "portfolio",
        ["स्टॉक"] = "stock", ["शेयर"] = "share", ["रेट"] = "rate", ["इंटरेस्टेड"] = "interested", ["ब्लॉक"] = "block", ["रिमूव"] = "remove",
        ["इनवेस्ट"] = "invest", ["इन्वेस्ट"] = "invest", ["रिडीम"] = "redeem", ["ईएलएसएस"] = "elss", ["एलएसएस"] = "elss", ["गुड"] = "good",
        ["मॉर्निंग"] = "morning", ["सर"] = "sir", ["पर्सन"] = "person", ["ह्यूमन"] = "human", ["कस्टमर"] = "customer", ["केयर"] = "care",
        ["वीडियो"] = "video", ["पीडीएफ"] = "pdf", ["न्यूज़"] = "news", ["न्यूज"] = "news", ["वीआईएक्स"] = "vix", ["जीडीपी"] = "gdp",
        // Hindi words, in the Hinglish spelling the rules use
        ["बंद"] = "band", ["बन्द"] = "band", ["करो"] = "karo", ["कर"] = "kar", ["करदो"] = "kardo", ["करें"] = "karein", ["करे"] = "kare",
        ["करिए"] = "kariye", ["करिये"] = "kariye", ["कीजिए"] = "kijiye", ["कीजिये"] = "kijiye", ["करना"] = "karna", ["करनी"] = "karni",
        ["दो"] = "do", ["दीजिए"] = "dijiye", ["दीजिये"] = "dijiye", ["दें"] = "dein", ["दे"] = "de", ["देना"] = "dena", ["मुझे"] = "mujhe",
        ["मुझको"] = "mujhe", ["मत"] = "mat", ["भेजो"] = "bhejo", ["भेजें"] = "bhejein", ["भेजे"] = "bheje", ["भेजिए"] = "bhejiye",
        ["भेजिये"] = "bhejiye", ["भेजना"] = "bhejna", ["भेज"] = "bhej", ["भेजते"] = "bhejte", ["नहीं"] = "nahi", ["नही"] = "nahi",
        ["न"] = "na", ["ना"] = "na", ["चाहिए"] = "chahiye", ["चाहिये"] = "chahiye", ["आज"] = "aaj", ["कल"] = "kal", ["का"] = "ka",
        ["की"] = "ki", ["के"] = "ke", ["को"] = "ko", ["से"] = "se", ["में"] = "mein", ["मैं"] = "mai", ["है"] = "hai", ["हैं"] = "hain",
        ["था"] = "tha", ["थी"] = "thi", ["तस्वीर"] = "tasveer", ["तस्वीरें"] = "photos", ["चित्र"] = "photo", ["बाजार"] = "bazaar",
        ["बाज़ार"] = "bazaar", ["सोना"] = "gold", ["सोने"] = "gold", ["रुपया"] = "rupee", ["रुपये"] = "rupee", ["रुपए"] = "rupee",
        ["शुरू"] = "shuru", ["चालू"] = "chalu", ["फिर"] = "phir", ["दोबारा"] = "dobara", ["वापस"] = "wapas", ["मदद"] = "madad",
        ["सहायता"] = "madad", ["नमस्ते"] = "namaste", ["नमस्कार"] = "namaskar", ["प्रणाम"] = "pranam", ["धन्यवाद"] = "dhanyavad",
        ["शुक्रिया"] = "shukriya", ["बात"] = "baat", ["किसी"] = "kisi", ["इंसान"] = "insaan", ["व्यक्ति"] = "person", ["आदमी"] = "person",
        ["कौन"] = "kaun", ["कौनसा"] = "kaunsa", ["कौनसे"] = "kaunsa", ["खरीदना"] = "kharidna", ["खरीदूं"] = "kharidu", ["खरीदूँ"] = "kharidu",
        ["खरीदें"] = "kharidein", ["बेचना"] = "bechna", ["बेचूं"] = "bechu", ["क्या"] = "kya", ["कैसे"] = "kaise", ["कब"] = "kab",
        ["कहाँ"] = "kahan", ["कहां"] = "kahan", ["कितना"] = "kitna", ["कितने"] = "kitne", ["कितनी"] = "kitni", ["बजे"] = "baje",
        ["रोको"] = "roko", ["रोक"] = "rok", ["रोकें"] = "rokein", ["रोकिए"] = "rokiye", ["रोकिये"] = "rokiye", ["हटा"] = "hata",
        ["हटाओ"] = "hatao", ["हटाएं"] = "hatayein", ["हटाइए"] = "hataiye", ["भाषा"] = "bhasha", ["पैसे"] = "paise", ["सलाह"] = "salah",
        ["हुआ"] = "hua", ["हुई"] = "hui", ["गिरा"] = "gira", ["गिरी"] = "giri", ["चढ़ा"] = "chadha", ["ऊपर"] = "upar", ["नीचे"] = "neeche",
        ["दर"] = "rate", ["ठीक"] = "theek", ["अच्छा"] = "accha", ["हाँ"] = "haan", ["हां"] = "haan", ["अब"] = "ab", ["ये"] = "ye",
        ["यह"] = "ye", ["वो"] = "wo", ["वह"] = "wo", ["सब"] = "sab", ["सारा"] = "sab", ["सभी"] = "sab", ["बस"] = "bas", ["कृपया"] = "please",
        ["जी"] = "ji", ["भाई"] = "bhai", ["यार"] = "yaar", ["मिला"] = "mila", ["मिली"] = "mili", ["मिले"] = "mile", ["आया"] = "aaya",
        ["आई"] = "aayi", ["आता"] = "aata", ["आती"] = "aati", ["मेरा"] = "mera", ["मेरे"] = "mere", ["मेरी"] = "meri", ["ग्राहक"] = "client",
        ["ग्राहकों"] = "clients", ["समय"] = "time", ["रोज"] = "roz", ["रोज़"] = "roz", ["रोजाना"] = "daily", ["रोज़ाना"] = "daily",
        ["आप"] = "aap", ["आपका"] = "aapka", ["आपकी"] = "aapki", ["आपके"] = "aapke", ["हम"] = "hum", ["हमें"] = "hume", ["और"] = "aur",
        ["भी"] = "bhi", ["लेकिन"] = "lekin", ["पर"] = "par", ["क्यों"] = "kyun", ["बताओ"] = "batao", ["बताइए"] = "bataiye",
        ["बताइये"] = "bataiye", ["बताएं"] = "bataen", ["बताएँ"] = "bataen", ["सकते"] = "sakte", ["सकता"] = "sakta", ["सकती"] = "sakti",
        ["लिए"] = "liye", ["लिये"] = "liye", ["अपना"] = "apna", ["अपने"] = "apne", ["कोई"] = "koi", ["कुछ"] = "kuch", ["अभी"] = "abhi",
        ["होगा"] = "hoga", ["होगी"] = "hogi", ["रहा"] = "raha", ["रही"] = "rahi", ["रहे"] = "rahe", ["गया"] = "gaya", ["गई"] = "gayi",
        ["सुझाव"] = "suggest", ["बेहतर"] = "better", ["सबसे"] = "sabse", ["अच्छी"] = "acchi", ["अच्छे"] = "acche", ["लूं"] = "lu",
        ["लूँ"] = "lu", ["लें"] = "lein", ["लेना"] = "lena", ["निवेश"] = "invest", ["योजना"] = "scheme", ["ब्याज"] = "interest",
        ["महंगाई"] = "inflation", ["विदेशी"] = "foreign", ["निवेशक"] = "investors", ["हफ्ते"] = "week", ["हफ़्ते"] = "week",
        ["महीने"] = "month", ["चाहता"] = "chahta", ["चाहती"] = "chahti", ["बोलो"] = "bolo", ["पता"] = "pata", ["लगातार"] = "lagatar",
        ["परेशान"] = "pareshan", ["ज़रूरत"] = "zaroorat", ["जरूरत"] = "zaroorat", ["बिल्कुल"] = "bilkul", ["हिसाब"] = "hisab",
        ["हाल"] = "haal", ["कैसा"] = "kaisa", ["कैसी"] = "kaisi", ["सुप्रभात"] = "good morning", ["शुभ"] = "shubh", ["प्रभात"] = "prabhat",
        ["राम"] = "ram", ["दिखाओ"] = "dikhao", ["वाला"] = "wala", ["वाले"] = "wale", ["वाली"] = "wali", ["इसे"] = "ise", ["इन्हें"] = "inhe",
        ["जल्दी"] = "jaldi", ["सेवा"] = "service", ["मुफ्त"] = "free", ["मुफ़्त"] = "free", ["शुल्क"] = "charges",
    });

    /// <summary>Keys in NFC (as <see cref="TextTools.Normalize"/> leaves them) and also without nukta, as people often type them.</summary>
    private static Dictionary<string, string> WithVariants(Dictionary<string, string> words)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in words)
        {
            var nfc = k.Normalize(NormalizationForm.FormC);
            all[nfc] = v;
            all.TryAdd(nfc.Replace("\u093C", "", StringComparison.Ordinal), v);
        }

        return all;
    }

    private static readonly Dictionary<string, string> s_spellings = new(StringComparer.Ordinal)
    {
        ["kro"] = "karo", ["kro"] = "karo", ["karro"] = "karo", ["kr"] = "kar", ["krdo"] = "kardo", ["krdijiye"] = "kar dijiye",
        ["kardijiye"] = "kar dijiye", ["kardijie"] = "kar dijiye", ["krna"] = "karna", ["krni"] = "karni", ["krein"] = "karein",
        ["karen"] = "karein", ["kijie"] = "kijiye", ["kijiae"] = "kijiye", ["kijiyee"] = "kijiye", ["dijie"] = "dijiye",
        ["dijiyee"] = "dijiye", ["dijiae"] = "dijiye", ["nhi"] = "nahi", ["nahin"] = "nahi", ["nai"] = "nahi", ["nahee"] = "nahi",
        ["nahii"] = "nahi", ["nhin"] = "nahi", ["nahi"] = "nahi", ["chahie"] = "chahiye", ["chaiye"] = "chahiye", ["chaiyee"] = "chahiye",
        ["chahiyee"] = "chahiye", ["chahye"] = "chahiye", ["chaahiye"] = "chahiye", ["chahiya"] = "chahiye", ["chahiy"] = "chahiye",
        ["bejo"] = "bhejo", ["bhejoo"] = "bhejo", ["bhjo"] = "bhejo", ["bhejdo"] = "bhej do", ["bhejdijiye"] = "bhej dijiye",
        ["bejna"] = "bhejna", ["bhejne"] = "bhejna", ["bhejni"] = "bhejna", ["bhejiyee"] = "bhejiye", ["bheje"] = "bheje",
        ["msg"] = "message", ["msgs"] = "messages", ["mssg"] = "message", ["mssgs"] = "messages", ["massage"] = "message",
        ["massages"] = "messages", ["mesage"] = "message", ["mesages"] = "messages", ["msges"] = "messages", ["msgz"] = "messages",
        ["mesej"] = "message", ["messege"] = "message", ["messeges"] = "messages", ["maisej"] = "message", ["sms"] = "message",
        ["bandh"] = "band", ["bnd"] = "band", ["bund"] = "band", ["roku"] = "roko", ["rokdo"] = "rok do", ["plz"] = "please",
        ["pls"] = "please", ["plss"] = "please", ["plzz"] = "please", ["plse"] = "please", ["pleas"] = "please", ["plez"] = "please",
        ["thnx"] = "thanks", ["thnks"] = "thanks", ["thanx"] = "thanks", ["thx"] = "thanks", ["tnx"] = "thanks", ["thanku"] = "thank you",
        ["thankyou"] = "thank you", ["sukriya"] = "shukriya", ["shukria"] = "shukriya", ["dhanyawad"] = "dhanyavad",
        ["dhanyabad"] = "dhanyavad", ["dhanywad"] = "dhanyavad", ["dhanyavaad"] = "dhanyavad", ["namastey"] = "namaste",
        ["namstey"] = "namaste", ["namasty"] = "namaste", ["namste"] = "namaste", ["aj"] = "aaj", ["kyaa"] = "kya", ["kia"] = "kya",
        ["yr"] = "yaar", ["yar"] = "yaar", ["muje"] = "mujhe", ["mjhe"] = "mujhe", ["mujhko"] = "mujhe", ["mt"] = "mat", ["sb"] = "sab",
        ["sabhi"] = "sab", ["sabkuch"] = "sab", ["sabkuchh"] = "sab", ["fotos"] = "photos", ["foto"] = "photo", ["pik"] = "pic",
        ["piks"] = "pics", ["updet"] = "update", ["apdate"] = "update", ["updte"] = "update", ["updat"] = "update", ["mkt"] = "market",
        ["markit"] = "market", ["markt"] = "market", ["nifti"] = "nifty", ["sensx"] = "sensex", ["sensec"] = "sensex", ["suru"] = "shuru",
        ["shuroo"] = "shuru", ["chaalu"] = "chalu", ["vapas"] = "wapas", ["wapis"] = "wapas", ["dubara"] = "dobara", ["insan"] = "insaan",
        ["madat"] = "madad", ["kese"] = "kaise", ["kaisey"] = "kaise", ["konsa"] = "kaunsa", ["konse"] = "kaunsa", ["kaunse"] = "kaunsa",
        ["acha"] = "accha", ["achha"] = "accha", ["thik"] = "theek", ["thk"] = "theek", ["okk"] = "ok", ["okay"] = "ok", ["okey"] = "ok",
        ["fir"] = "phir", ["bazar"] = "bazaar", ["contnet"] = "content", ["contant"] = "content", ["kontent"] = "content",
        ["conent"] = "content", ["unsubscrib"] = "unsubscribe", ["subcribe"] = "subscribe", ["pic"] = "pic", ["dena"] = "dena",
        ["hatado"] = "hata do", ["kardo"] = "kar do", ["bhejte"] = "bhejte", ["nahichahiye"] = "nahi chahiye", ["mere"] = "mere",
        ["humko"] = "hume", ["hame"] = "hume", ["humein"] = "hume", ["aapka"] = "aapka", ["apka"] = "aapka", ["apki"] = "aapki",
        ["rok"] = "rok", ["stp"] = "stop", ["stopp"] = "stop", ["stoop"] = "stop", ["sotp"] = "stop", ["unsub"] = "unsubscribe",
    };

    /// <summary>Normalised, transliterated and spelling-folded text (Latin letters, digits, single spaces).</summary>
    public static string Canonical(string text)
    {
        var tokens = TextTools.Tokens(TextTools.Normalize(text));
        var sb = new StringBuilder(text.Length + 8);
        foreach (var token in tokens)
        {
            var t = token.Any(IsDevanagari) ? Devanagari(token) : token;
            foreach (var part in t.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (sb.Length > 0)
                {
                    sb.Append(' ');
                }

                sb.Append(s_spellings.TryGetValue(part, out var folded) ? folded : part);
            }
        }

        return sb.ToString();
    }

    private static bool IsDevanagari(char c) => c is >= '\u0900' and <= '\u097F';

    /// <summary>One Devanagari word: the lexicon (also with a dropped nukta), else letter by letter.</summary>
    private static string Devanagari(string word)
    {
        if (s_devanagariWords.TryGetValue(word, out var known))
        {
            return known;
        }

        var plain = word.Replace("\u093C", "", StringComparison.Ordinal);
        if (s_devanagariWords.TryGetValue(plain, out known))
        {
            return known;
        }

        // "मैसेजेस" after "मैसेज": try a known word plus a plural or oblique ending.
        foreach (var ending in s_endings)
        {
            if (word.Length > ending.Length + 1 && word.EndsWith(ending, StringComparison.Ordinal)
                && s_devanagariWords.TryGetValue(word[..^ending.Length], out var stem))
            {
                return stem.EndsWith('s') ? stem : stem + "s";
            }
        }

        return Letters(word);
    }

    private static readonly string[] s_endings = ["ों", "ें", "ेस", "्स", "स"];

    private static readonly Dictionary<char, string> s_consonants = new()
    {
        ['क'] = "k", ['ख'] = "kh", ['ग'] = "g", ['घ'] = "gh", ['ङ'] = "n", ['च'] = "ch", ['छ'] = "chh", ['ज'] = "j", ['झ'] = "jh",
        ['ञ'] = "n", ['ट'] = "t", ['ठ'] = "th", ['ड'] = "d", ['ढ'] = "dh", ['ण'] = "n", ['त'] = "t", ['थ'] = "th", ['द'] = "d",
        ['ध'] = "dh", ['न'] = "n", ['प'] = "p", ['फ'] = "ph", ['ब'] = "b", ['भ'] = "bh", ['म'] = "m", ['य'] = "y", ['र'] = "r",
        ['ल'] = "l", ['व'] = "v", ['श'] = "sh", ['ष'] = "sh", ['स'] = "s", ['ह'] = "h", ['\u0958'] = "q", ['\u0959'] = "kh", ['\u095A'] = "g",
        ['\u095B'] = "z", ['\u095C'] = "r", ['\u095D'] = "rh", ['\u095E'] = "f", ['\u095F'] = "y", ['ळ'] = "l",
    };

    private static readonly Dictionary<char, string> s_vowels = new()
    {
        ['अ'] = "a", ['आ'] = "aa", ['इ'] = "i", ['ई'] = "i", ['उ'] = "u", ['ऊ'] = "u", ['ए'] = "e", ['ऐ'] = "ai", ['ओ'] = "o",
        ['औ'] = "au", ['ऋ'] = "ri", ['ऑ'] = "o", ['ऍ'] = "e",
    };

    private static readonly Dictionary<char, string> s_signs = new()
    {
        ['ा'] = "a", ['ि'] = "i", ['ी'] = "i", ['ु'] = "u", ['ू'] = "u", ['ृ'] = "ri", ['े'] = "e", ['ै'] = "ai", ['ो'] = "o",
        ['ौ'] = "au", ['ॉ'] = "o", ['ॅ'] = "e",
    };

    /// <summary>
    /// Letter by letter, Hinglish style: a consonant carries an "a" unless a vowel sign or virama follows, and the
    /// word's final "a" is dropped ("बंद" → "band", "करो" → "karo", "समझ" → "samajh").
    /// </summary>
    private static string Letters(string word)
    {
        var sb = new StringBuilder(word.Length * 2);
        var chars = word.Normalize(NormalizationForm.FormC);
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var next = i + 1 < chars.Length ? chars[i + 1] : '\0';
            if (next == '\u093C' && s_consonants.ContainsKey(Nukta(c)))
            {
                c = Nukta(c);
                i++;
                next = i + 1 < chars.Length ? chars[i + 1] : '\0';
            }

            if (s_consonants.TryGetValue(c, out var cons))
            {
                sb.Append(cons);
                var last = next == '\0' || !IsDevanagari(next);
                if (next == '\u094D' || s_signs.ContainsKey(next) || last)
                {
                    continue;
                }

                // An "a" before an anusvara ("बंद") or another consonant ("कर").
                sb.Append('a');
            }
            else if (s_vowels.TryGetValue(c, out var v) || s_signs.TryGetValue(c, out v))
            {
                sb.Append(v);
            }
            else if (c is '\u0902' or '\u0901')
            {
                sb.Append('n');
            }
            else if (c == '\u0903')
            {
                sb.Append('h');
            }
            else if (char.IsDigit(c))
            {
                sb.Append((char)('0' + (int)char.GetNumericValue(c)));
            }
        }

        return sb.ToString();
    }

    private static char Nukta(char c) => c switch
    {
        'क' => '\u0958', 'ख' => '\u0959', 'ग' => '\u095A', 'ज' => '\u095B', 'ड' => '\u095C', 'ढ' => '\u095D', 'फ' => '\u095E', 'य' => '\u095F',
        _ => c,
    };
}
