package textnorm

import "testing"

func TestPick(t *testing.T) {
	governorates := []string{"مسقط", "ظفار", "مسندم", "البريمي", "الداخلية", "شمال الباطنة", "جنوب الباطنة", "جنوب الشرقية", "شمال الشرقية", "الظاهرة", "الوسطى"}
	menu := []string{"تعرّف على البرامج", "اكتشف مهاراتك", "دورات ووظائف وفعاليات", "تسجيلاتي", "ركن الأسر المنتجة", "مساعدة", "English / العربية", "بياناتي", "حذف بياناتي"}
	enMenu := []string{"Learn about the programs", "Discover your skills", "Trainings, jobs and events", "My sign-ups", "Producer families corner"}
	cases := []struct {
		name   string
		in     string
		labels []string
		want   int
		ok     bool
	}{
		{"a whole label", "ظفار", governorates, 1, true},
		{"a label with the article", "الداخليه", governorates, 4, true},
		{"without the article", "داخلية", governorates, 4, true},
		{"alef maqsura typed as yaa", "الوسطي", governorates, 10, true},
		{"two words", "جنوب الشرقيه", governorates, 7, true},
		{"one of two shared words is ambiguous", "الباطنة", governorates, 0, false},
		{"a typo", "ضفار", governorates, 1, true},
		{"a swapped pair", "مسدنم", governorates, 2, true},
		{"a menu word", "تسجيلاتي", menu, 3, true},
		{"a word inside a label", "دورات", menu, 2, true},
		{"a word after the conjunction", "وظائف", menu, 2, true},
		{"exact beats a typo", "بياناتي", menu, 7, true},
		{"english, any case", "my SIGN-UPS", enMenu, 3, true},
		{"english word of a label", "skills", enMenu, 1, true},
		{"english typo", "traning", enMenu, 2, true},
		{"short extra words", "sign me up", []string{"Sign up", "Back", "Main menu"}, 0, true},
		{"a sentence with one option's word", "sign the paper", []string{"Sign up", "Back", "Main menu"}, 0, true},
		{"an extra long word names nothing", "paper", []string{"Sign up", "Back", "Main menu"}, 0, false},
		{"a compound typed as one word", "signups", enMenu, 3, true},
		{"a compound typed without its hyphen", "my signups", enMenu, 3, true},
		{"a compound typed as two words", "my sign ups", enMenu, 3, true},
		{"a town among a label's hidden words", "صلاله", []string{"مسقط / مسقط، مطرح", "ظفار / صلالة، طاقة، مرباط"}, 1, true},
		{"a whole name among several", "بياناتي", []string{"بياناتي / My details", "حذف بياناتي / Delete my data"}, 0, true},
		{"nonsense", "كلام غير مفهوم", menu, 0, false},
		{"short words name nothing", "في", menu, 0, false},
		{"empty", "  ", menu, 0, false},
		{"emoji", "😀", menu, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Pick(c.in, c.labels)
			if ok != c.ok || (ok && got != c.want) {
				t.Errorf("Pick(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
}
