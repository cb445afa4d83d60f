import Testing
@testable import SwitchboardCore

struct FAQMatcherTests {
    let faqs = [
        FAQ(slug: "delivery-date", question: "When will my order arrive?", answer: "Soon.", keywords: ["delivery", "shipping"]),
        FAQ(slug: "return-policy", question: "What is your return policy?", answer: "30 days.", keywords: ["refund"]),
        FAQ(slug: "order-status", question: "Where is my order?", answer: "Check Orders.", keywords: ["track"]),
    ]

    @Test func matchesIgnoringCaseAndPunctuation() {
        let matcher = FAQMatcher(faqs)
        #expect(matcher.match("WHAT'S your RETURN policy???")?.slug == "return-policy")
        #expect(matcher.match("return,policy")?.slug == "return-policy")
    }

    @Test func bestKeywordOverlapWins() {
        let matcher = FAQMatcher(faqs)
        #expect(matcher.match("I want a refund for my returns")?.slug == "return-policy")
        #expect(matcher.match("how long does shipping and delivery take")?.slug == "delivery-date")
        #expect(matcher.match("can you track my order")?.slug == "order-status")
    }

    @Test func noSharedWordMeansNoMatch() {
        let matcher = FAQMatcher(faqs)
        #expect(matcher.match("hello there") == nil)
        #expect(matcher.match("   ") == nil)
        #expect(matcher.match("?!") == nil)
        #expect(matcher.match("banana smoothie recipe") == nil)
    }

    @Test func wordsDropStopWordsAndFoldPlurals() {
        #expect(FAQMatcher.words("The Returns, please!") == ["return"])
        #expect(FAQMatcher.words("shipping") == ["shipp"])
    }
}

/// Slugs: derived from questions, checked when given.
struct SlugTests {
    @Test func derivesReadableAsciiSlugs() {
        #expect(FAQ.slug(from: "When will my order arrive?") == "when-will-my-order-arrive")
        #expect(FAQ.slug(from: "  What's your   return-policy?? ") == "whats-your-return-policy")
        #expect(FAQ.slug(from: "¿Qué?") == "qu")
        #expect(FAQ.slug(from: "???") == "faq")
        #expect(FAQ.slug(from: String(repeating: "ab ", count: 40)).count <= Limits.slugMaxLength)
        #expect(!FAQ.slug(from: String(repeating: "ab ", count: 40)).hasSuffix("-"))
    }

    @Test func checksGivenSlugs() {
        #expect(FAQ.isSlug("return-policy"))
        #expect(FAQ.isSlug("a1"))
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "é", String(repeating: "a", count: 61)] { #expect(!FAQ.isSlug(bad), "\(bad)") }
    }
}
