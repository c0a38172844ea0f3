package twtext

import "testing"

var benchTexts = []struct {
	name string
	text string
}{
	// A typical 140-character reply with mentions, a URL and a hashtag.
	{"mention140", "@jack @TwitterDev thanks for the thread! Details at https://example.com/blog/2024/07/x-api?ref=tw and more soon #golang cc @gopher ok"},
	// Emoji-heavy: ZWJ sequences, flags, keycaps, skin tones, tag flags.
	{"emoji", "Family 👨‍👩‍👧‍👦 trip 🇯🇵🇫🇷 day 1️⃣ #️⃣ 👍🏽👍🏿 ❤️‍🔥 🏳️‍🌈 🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F 🧑🏽‍🤝‍🧑🏻 😷👾😡🔥💩 so fun!! ☺️✨🎉"},
	// 140 CJK characters.
	{"cjk", "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。朱雀桥边野草花，乌衣巷口夕阳斜。旧时王谢堂前燕，飞入寻常百姓家。朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。泪湿罗巾梦不成，夜深前殿按歌声。"},
}

func BenchmarkParseTweet(b *testing.B) {
	for _, bt := range benchTexts {
		b.Run(bt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bt.text)))
			for b.Loop() {
				ParseTweet(bt.text, ConfigV3)
			}
		})
	}
}

func BenchmarkExtractMentions(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ExtractMentionsOrListsWithIndices(benchTexts[0].text)
	}
}
